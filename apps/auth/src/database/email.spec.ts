import { canonicalEmail, hasRefusedCharacter, normalizeEmail, typedEmail } from './email';

describe('canonicalEmail', () => {
  it.each([
    ['Victim@example.test'],
    ['VICTIM@example.test'],
    ['victim@EXAMPLE.TEST'],
    ['"victim"@example.test'],
    ['"vic\\tim"@example.test'],
    ['\uff56\uff49\uff43\uff54\uff49\uff4d@example.test'],
    ['  victim@example.test \n'],
  ])('gives %j the canonical form of victim@example.test', (variant) => {
    expect(canonicalEmail(variant)).toBe('victim@example.test');
  });

  it('folds case fully, not only to lower case: ß is ss, final sigma is sigma, ligatures open', () => {
    expect(canonicalEmail('straße@example.test')).toBe('strasse@example.test');
    expect(canonicalEmail('STRASSE@example.test')).toBe('strasse@example.test');
    expect(canonicalEmail('STRA\u1E9EE@example.test')).toBe('strasse@example.test');
    expect(canonicalEmail('ΟΔΟΣ@example.test')).toBe(canonicalEmail('οδοσ@example.test'));
    expect(canonicalEmail('οδος@example.test')).toBe(canonicalEmail('οδοσ@example.test'));
    expect(canonicalEmail('\ufb01le@example.test')).toBe('file@example.test');
    expect(canonicalEmail('\u01c5ungla@example.test')).toBe(canonicalEmail('\u01c6ungla@example.test'));
  });

  it('puts the domain in IDNA ASCII form', () => {
    expect(canonicalEmail('user@BÜCHER.example')).toBe('user@xn--bcher-kva.example');
    expect(canonicalEmail('user@bücher.example')).toBe('user@xn--bcher-kva.example');
    expect(canonicalEmail('user@xn--bcher-kva.example')).toBe('user@xn--bcher-kva.example');
  });

  it('keeps a quoted local part quoted when its content needs the quotes, in one spelling', () => {
    expect(canonicalEmail('"A B"@Example.test')).toBe('"a b"@example.test');
    expect(canonicalEmail('"a@b"@example.org')).toBe('"a@b"@example.org');
  });

  it('composes: a decomposed accent matches the precomposed one', () => {
    expect(canonicalEmail('jose\u0301@example.com')).toBe('jos\u00e9@example.com');
  });

  it.each([
    ['a zero-width space', 'vic\u200Btim@example.test'],
    ['a zero-width joiner', 'vic\u200Dtim@example.test'],
    ['a zero-width non-joiner', 'vic\u200Ctim@example.test'],
    ['a word joiner', 'vic\u2060tim@example.test'],
    ['a soft hyphen', 'vic\u00ADtim@example.test'],
    ['a right-to-left override', 'vic\u202Etim@example.test'],
    ['a left-to-right mark', 'victim\u200E@example.test'],
    ['an isolate', 'vic\u2066tim@example.test'],
    ['a byte order mark', '\uFEFFvictim@example.test'],
    ['a variation selector', 'vic\uFE0Ftim@example.test'],
    ['a tag character', 'vic\u{E0041}tim@example.test'],
    ['a Hangul filler', 'vic\u3164tim@example.test'],
    ['a control character', 'vic\u0007tim@example.test'],
    ['a NUL', 'vic\u0000tim@example.test'],
    ['a line separator', 'vic\u2028tim@example.test'],
    ['a paragraph separator', 'vic\u2029tim@example.test'],
    ['a no-break space inside quotes', '"vic\u00A0tim"@example.test'],
    ['a zero-width space in the domain', 'victim@exam\u200Bple.test'],
  ])('refuses %s', (_name, email) => {
    expect(hasRefusedCharacter(email)).toBe(true);
    expect(canonicalEmail(email)).toBeUndefined();
  });

  it('has no canonical form for what is not an address', () => {
    for (const email of ['not-an-email', 'victim@', '@example.test', 'victim@ex%61mple.test', 'victim@example.test.']) {
      expect(canonicalEmail(email)).toBeUndefined();
    }
    expect(hasRefusedCharacter('victim@example.test')).toBe(false);
  });

  it('is idempotent', () => {
    for (const email of ['Straße@BÜCHER.example', '"A B"@Example.test', 'İstanbul@example.test', 'ΟΔΟΣ@x.test']) {
      const once = canonicalEmail(email);
      expect(once).toBeDefined();
      expect(canonicalEmail(once ?? '')).toBe(once);
    }
  });
});

describe('typedEmail and normalizeEmail', () => {
  it('keeps what was typed but the surrounding whitespace', () => {
    expect(typedEmail('  Ada@Example.COM \n')).toBe('Ada@Example.COM');
  });

  it('keys a sign-in by the canonical form, or by the typed form when there is none', () => {
    expect(normalizeEmail(' Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmail('not-an-email ')).toBe('not-an-email');
  });
});
