import { CursorPageQuery } from '@tessera/platform';

export const DEFAULT_USERS_PAGE_SIZE = 20;

/** `GET /admin/users?limit=&cursor=`; any other parameter is a 400. */
export class ListUsersQuery extends CursorPageQuery {}
