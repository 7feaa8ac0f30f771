import fc from 'fast-check';

/**
 * fast-check arbitraries read from an OpenAPI 3.0 document's schemas: valid values, values on
 * and just past each limit, and invalid ones (wrong types, null, arrays for objects, unknown
 * fields, deep nesting, U+0000, huge strings). The JSON-schema bridges published for fast-check
 * are unmaintained (json-schema-fast-check is pinned to fast-check 1.x and untouched for years),
 * so this is a thin mapper over fast-check's own arbitraries for the keywords the NestJS
 * Swagger scanner emits: type, format, enum, pattern, min/max lengths and values, items,
 * properties, required, nullable, allOf/oneOf/anyOf and $ref.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

/** Text a client could send that is not a JSON value of any schema: parser refusals. */
const RAW_NOT_JSON = ['', '{', '{"a":', 'nul', '[1,]', '{"a":1}{', '\u0000', '{"a":"\\ud800"}', 'true false'];

/** Bigger than any documented string limit, yet well under the 64 KiB body limit. */
const HUGE = 50_000;
/** Deeper than the 64 levels the edge's JSON parser accepts. */
const DEEP = 80;

export interface Arbitraries {
  /** A value the schema accepts. */
  valid(schema: Schema): fc.Arbitrary<unknown>;
  /** A value with one part on, or just past, one of the schema's limits. */
  boundary(schema: Schema): fc.Arbitrary<unknown>;
  /** A value the schema refuses: one part of an otherwise valid value broken. */
  invalid(schema: Schema): fc.Arbitrary<unknown>;
  /** A request body: mostly JSON values of the three kinds above, now and then raw text. */
  body(schema: Schema): fc.Arbitrary<BodyCase>;
}

export type BodyCase = { kind: 'valid' | 'boundary' | 'invalid'; json: unknown } | { kind: 'raw'; text: string };

export interface ArbitraryOptions {
  /** Resolves a `#/components/schemas/...` reference. */
  resolve(ref: string): Schema;
  /** Strings the system under test knows (an id, an email, a password), tried now and then. */
  known?: readonly string[];
}

/** Nested arrays and objects, `depth` levels deep, around `leaf`. */
export function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) {
    value = i % 2 === 0 ? [value] : { a: value };
  }
  return value;
}

export function schemaArbitraries(options: ArbitraryOptions): Arbitraries {
  const known = options.known ?? [];
  const deref = (schema: Schema): Schema => {
    let s = schema;
    for (let hops = 0; s.$ref !== undefined && hops < 20; hops++) {
      s = options.resolve(s.$ref);
    }
    if (s.allOf?.length) {
      const parts = s.allOf.map(deref);
      return parts.reduce<Schema>(
        (all, part) => ({
          ...all,
          ...part,
          properties: { ...all.properties, ...part.properties },
          required: [...(all.required ?? []), ...(part.required ?? [])],
        }),
        { ...s, allOf: undefined },
      );
    }
    return s;
  };
  const kindOf = (s: Schema): string =>
    s.type ?? (s.properties ? 'object' : s.items ? 'array' : s.enum ? typeof s.enum[0] : 'any');

  const lengthed = (s: Schema, length: number): string => {
    const n = Math.max(0, length);
    if (s.format === 'email') {
      const domain = '@fuzz.test';
      return `${'a'.repeat(Math.max(1, n - domain.length))}${domain}`;
    }
    return 'x'.repeat(n);
  };

  const validString = (s: Schema): fc.Arbitrary<string> => {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.min(s.maxLength ?? 64, minLength + 256);
    const fits = (v: string) => v.length >= minLength && v.length <= (s.maxLength ?? Infinity);
    let base: fc.Arbitrary<string>;
    if (s.pattern !== undefined) {
      base = fc.stringMatching(new RegExp(s.pattern)).filter(fits);
    } else if (s.format === 'email') {
      base = fc.emailAddress().filter(fits);
    } else if (s.format === 'uuid') {
      base = fc.uuid();
    } else if (s.format === 'date-time') {
      base = fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString());
    } else if (s.format === 'uri' || s.format === 'url') {
      base = fc.webUrl().filter(fits);
    } else {
      base = fc.oneof(
        fc.string({ minLength, maxLength }),
        fc.string({ minLength, maxLength, unit: 'grapheme' }).filter(fits),
      );
    }
    return known.length > 0 ? fc.oneof({ weight: 5, arbitrary: base }, fc.constantFrom(...known).filter(fits)) : base;
  };

  const numberLimits = (s: Schema) => {
    const integer = s.type === 'integer';
    const step = integer ? 1 : 0.5;
    const lo =
      s.minimum === undefined
        ? integer
          ? -(2 ** 31)
          : -1e9
        : s.exclusiveMinimum === true
          ? s.minimum + step
          : s.minimum;
    const hi =
      s.maximum === undefined
        ? integer
          ? 2 ** 31 - 1
          : 1e9
        : s.exclusiveMaximum === true
          ? s.maximum - step
          : s.maximum;
    return { integer, lo, hi };
  };

  const valid = (schema: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const s = deref(schema);
    const value = ((): fc.Arbitrary<unknown> => {
      const alternatives = s.oneOf ?? s.anyOf;
      if (alternatives?.length) {
        return fc.oneof(...alternatives.map((a) => valid(a, depth + 1)));
      }
      if (s.enum?.length) {
        return fc.constantFrom(...s.enum);
      }
      switch (kindOf(s)) {
        case 'string':
          return validString(s);
        case 'integer':
        case 'number': {
          const { integer, lo, hi } = numberLimits(s);
          return integer
            ? fc.integer({ min: lo, max: hi })
            : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
        }
        case 'boolean':
          return fc.boolean();
        case 'array': {
          const minLength = s.minItems ?? 0;
          return fc.array(valid(s.items ?? {}, depth + 1), {
            minLength,
            maxLength: Math.min(s.maxItems ?? 5, minLength + 5),
          });
        }
        case 'object': {
          const properties = s.properties ?? {};
          const keys = Object.keys(properties);
          if (keys.length === 0) {
            return fc.constant({});
          }
          return fc.record(Object.fromEntries(keys.map((k) => [k, valid(properties[k], depth + 1)])), {
            requiredKeys: (s.required ?? []).filter((k) => k in properties),
          });
        }
        default:
          return fc.jsonValue({ maxDepth: 2 });
      }
    })();
    return s.nullable === true ? fc.oneof({ weight: 4, arbitrary: value }, fc.constant(null)) : value;
  };

  /** Every value of `s` itself on or just past one limit. */
  const leafBoundaries = (s: Schema): unknown[] => {
    switch (kindOf(s)) {
      case 'string': {
        const lengths = [0, 1];
        if (s.minLength !== undefined) {
          lengths.push(s.minLength, s.minLength - 1);
        }
        if (s.maxLength !== undefined) {
          lengths.push(s.maxLength, s.maxLength + 1);
        }
        return [...new Set(lengths.filter((n) => n >= 0))].map((n) => lengthed(s, n));
      }
      case 'integer':
      case 'number': {
        const { integer, lo, hi } = numberLimits(s);
        const unit = integer ? 1 : 0.001;
        return [lo, hi, lo - unit, hi + unit, 0, -1, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, -0, 0.5];
      }
      case 'array': {
        const items = deref(s.items ?? {});
        const item = leafSample(items);
        const sizes = [0, 1, s.minItems ?? 0, (s.minItems ?? 1) - 1, s.maxItems ?? 100, (s.maxItems ?? 1000) + 1];
        return [...new Set(sizes.filter((n) => n >= 0))].map((n) => Array.from({ length: n }, () => item));
      }
      default:
        return [];
    }
  };

  /** One plain valid value of a schema, for filling arrays to a size. */
  const leafSample = (s: Schema): unknown => fc.sample(valid(s), { numRuns: 1, seed: 1 })[0];

  const boundary = (schema: Schema): fc.Arbitrary<unknown> => {
    const s = deref(schema);
    if (kindOf(s) === 'object' && s.properties && Object.keys(s.properties).length > 0) {
      const properties = s.properties;
      const keys = Object.keys(properties);
      return fc
        .tuple(
          valid(s),
          fc.constantFrom(...keys).chain((k) => fc.tuple(fc.constant(k), boundary(properties[k]))),
        )
        .map(([base, [k, v]]) => ({ ...(base as object), [k]: v }));
    }
    if (kindOf(s) === 'array' && s.items) {
      return fc.oneof(
        fc.constantFrom(...leafBoundaries(s)),
        boundary(s.items).map((v) => [v]),
      );
    }
    const values = leafBoundaries(s);
    return values.length > 0 ? fc.constantFrom(...values) : valid(s);
  };

  /** Values that are not of the schema's type at all, or refused by every schema. */
  const wrongShape = (s: Schema): fc.Arbitrary<unknown> => {
    const kind = kindOf(s);
    const others: unknown[] = [
      ...(s.nullable === true ? [] : [null]),
      ...(kind === 'string' ? [] : ['1', '', 'true']),
      ...(kind === 'integer' || kind === 'number' ? [] : [1, -1, 0]),
      ...(kind === 'integer' ? [1.5] : []),
      ...(kind === 'boolean' ? [] : [true, false]),
      ...(kind === 'object' ? [] : [{}, { a: 1 }]),
      ...(kind === 'array' ? [] : [[], [1], ['a']]),
      { $ne: null },
      JSON.parse('{"__proto__":{"admin":true}}') as unknown,
      nested(DEEP),
    ];
    return fc.constantFrom(...others);
  };

  /** Text values a schema of type string documents but the edge or the database cannot take. */
  const hostileString = (s: Schema): fc.Arbitrary<unknown> =>
    fc.oneof(
      fc.constantFrom(
        '\u0000',
        `a\u0000b`,
        'x'.repeat(HUGE),
        '\ud800',
        '\u200b',
        '\u202e',
        '\ufeff',
        ' ',
        '../../etc/passwd',
        "' OR 1=1 --",
        '${jndi:ldap://x}',
        '<script>alert(1)</script>',
      ),
      fc.string({ maxLength: 80, unit: 'binary' }),
      validString(s).map((v) => `${v}\u0000`),
    );

  const invalid = (schema: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const s = deref(schema);
    const kind = kindOf(s);
    const choices: fc.Arbitrary<unknown>[] = [wrongShape(s)];
    if (kind === 'string') {
      choices.push(hostileString(s));
      if (s.format !== undefined || s.pattern !== undefined || s.enum !== undefined) {
        choices.push(fc.string({ maxLength: 40 }));
      }
    }
    if (kind === 'integer' || kind === 'number') {
      const { lo, hi } = numberLimits(s);
      choices.push(fc.constantFrom(lo - 1, hi + 1, -1e308, 1e308, '1e999', 'NaN'));
    }
    if (kind === 'array' && depth < 4) {
      choices.push(fc.array(invalid(s.items ?? {}, depth + 1), { minLength: 1, maxLength: 3 }));
      choices.push(fc.constant([[]]), fc.constant([null]));
    }
    if (kind === 'object' && depth < 4) {
      const properties = s.properties ?? {};
      const keys = Object.keys(properties);
      const base = valid(s, depth);
      // An unknown field, where the document closes the object.
      if (s.additionalProperties === false) {
        choices.push(
          fc
            .tuple(base, fc.constantFrom('roles', 'id', 'admin', 'isAdmin', 'x', '__proto__', 'constructor'))
            .map(([b, k]) => ({ ...(b as object), [k]: true })),
        );
      }
      for (const k of s.required ?? []) {
        choices.push(
          base.map((b) => {
            const copy = { ...(b as Record<string, unknown>) };
            delete copy[k];
            return copy;
          }),
        );
      }
      if (keys.length > 0) {
        choices.push(
          fc
            .tuple(
              base,
              fc.constantFrom(...keys).chain((k) => fc.tuple(fc.constant(k), invalid(properties[k], depth + 1))),
            )
            .map(([b, [k, v]]) => ({ ...(b as object), [k]: v })),
        );
      }
    }
    return fc.oneof(...choices);
  };

  const body = (schema: Schema): fc.Arbitrary<BodyCase> =>
    fc.oneof(
      { weight: 3, arbitrary: valid(schema).map((json) => ({ kind: 'valid' as const, json })) },
      { weight: 2, arbitrary: boundary(schema).map((json) => ({ kind: 'boundary' as const, json })) },
      { weight: 4, arbitrary: invalid(schema).map((json) => ({ kind: 'invalid' as const, json })) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_NOT_JSON).map((text) => ({ kind: 'raw' as const, text })) },
    );

  return { valid: (s) => valid(s), boundary, invalid: (s) => invalid(s), body };
}
