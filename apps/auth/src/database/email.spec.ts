import { normalizeEmail } from './email';

describe('normalizeEmail', () => {
  it('trims surrounding whitespace', () => {
    expect(normalizeEmail('  ada@example.com \n')).toBe('ada@example.com');
  });

  it('lower-cases the domain', () => {
    expect(normalizeEmail('ada@Example.COM')).toBe('ada@example.com');
  });

  it('keeps the case of the local part', () => {
    expect(normalizeEmail('Ada.Lovelace@EXAMPLE.com')).toBe('Ada.Lovelace@example.com');
  });

  it('splits at the last @ of a quoted local part', () => {
    expect(normalizeEmail('"a@b"@Example.org')).toBe('"a@b"@example.org');
  });

  it('composes Unicode so one address has one spelling', () => {
    expect(normalizeEmail('jose\u0301@example.com')).toBe('jos\u00e9@example.com');
  });

  it('is idempotent', () => {
    const once = normalizeEmail(' Ada@Example.COM ');
    expect(normalizeEmail(once)).toBe(once);
  });
});
