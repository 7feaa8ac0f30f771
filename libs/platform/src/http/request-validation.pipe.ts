import type { ArgumentMetadata } from '@nestjs/common';
import { BadRequestException, ValidationPipe } from '@nestjs/common';

/**
 * The global ValidationPipe, except that a JSON `null` body is refused where a DTO is expected.
 * Nest's pipe validates a null body as `{}`, so a PATCH of `null` would pass as "change nothing"
 * although every documented body is an object. An absent body is left as Nest treats it.
 */
export class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (value === null && metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) {
      throw new BadRequestException({ message: ['the request body must be a JSON object'] });
    }
    return super.transform(value, metadata);
  }
}
