import type { TransformFnParams } from 'class-transformer';
import { Transform } from 'class-transformer';

/**
 * A boolean setting: exactly `true` or `false`; anything else is passed on for `@IsBoolean()`
 * to refuse. It reads the raw variable: implicit conversion has already made `'false'` true.
 */
export function EnvBoolean(): PropertyDecorator {
  return Transform(({ obj, key, value }: TransformFnParams) => {
    const raw: unknown = (obj as Record<string, unknown>)[key];
    if (raw === 'true' || raw === 'false') {
      return raw === 'true';
    }
    return typeof raw === 'string' ? raw : (value as unknown);
  });
}
