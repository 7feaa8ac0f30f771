import { randomUUID } from 'node:crypto';

import { isCanonicalUuid, isUuid } from './ids';

const id = '3f1c2b9e-8d7a-4c6b-9a5e-1f2d3c4b5a69';

describe('UUID ids', () => {
  it('accepts a UUID in lower, upper and mixed case (RFC 9562: case-insensitive on input)', () => {
    for (const value of [id, id.toUpperCase(), '3F1c2B9e-8d7a-4C6b-9a5e-1f2d3c4b5a69', randomUUID()]) {
      expect(isUuid(value)).toBe(true);
    }
  });

  it.each([
    ['empty', ''],
    ['a number', '42'],
    ['a service subject', 'client:orders'],
    ['no hyphens', id.replaceAll('-', '')],
    ['one digit too many', `${id}0`],
    ['a non-hex digit', id.replace('3', 'g')],
    ['braces', `{${id}}`],
    ['surrounding space', ` ${id}`],
    ['a trailing newline', `${id}\n`],
    ['SQL', "1' OR '1'='1"],
  ])('refuses %s', (_name, value) => {
    expect(isUuid(value)).toBe(false);
    expect(isCanonicalUuid(value)).toBe(false);
  });

  it('calls only the lower-case form canonical, the one the database and randomUUID write', () => {
    expect(isCanonicalUuid(id)).toBe(true);
    expect(isCanonicalUuid(randomUUID())).toBe(true);
    expect(isCanonicalUuid(id.toUpperCase())).toBe(false);
    expect(isCanonicalUuid(id.replace('f', 'F'))).toBe(false);
  });
});
