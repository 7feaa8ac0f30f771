import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'tessera:public';

/** Marks a route or message handler as needing no access token. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
