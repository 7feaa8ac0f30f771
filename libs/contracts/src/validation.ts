import type { ValidationOptions } from 'class-validator';
import { ValidateIf } from 'class-validator';

/**
 * A property that may be left out but, when present, must pass its other rules: `null` is
 * refused like any other wrong value. class-validator's `@IsOptional()` skips the rules for
 * `null` too, which lets a `null` through where the OpenAPI schema says `string` or `object`
 * (and a `null` then stored as "absent", or worse). Use `@IsOptional()` only where the schema
 * says `nullable`. Here rather than in libs/platform so that the contracts can use it as well.
 */
export function IsOptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
