import argon2 from 'argon2';

import { OWASP_ARGON2ID, PasswordHasher } from './password-hasher.service';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(OWASP_ARGON2ID);

  beforeAll(async () => {
    await hasher.onModuleInit();
  });

  it('hashes with argon2id and the OWASP parameters', async () => {
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(hash).not.toContain('correct horse battery');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('correct horse battery');
    expect(await hasher.verify(hash, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(hash, 'correct horse batterY')).toBe(false);
  });

  it('never truncates: the 128th character still counts', async () => {
    const long = 'p'.repeat(127);
    const hash = await hasher.hash(`${long}a`);
    expect(await hasher.verify(hash, `${long}b`)).toBe(false);
  });

  it('matches a password typed in another Unicode normal form', async () => {
    const hash = await hasher.hash('pa\u00dfwort-caf\u00e9-12');
    expect(await hasher.verify(hash, 'pa\u00dfwort-cafe\u0301-12')).toBe(true);
  });

  it('asks for a rehash of a hash made with weaker parameters, not of one made as configured', async () => {
    const weak = await argon2.hash('correct horse battery', {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
      parallelism: 1,
    });
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('correct horse battery'))).toBe(false);
  });

  it('asks for a rehash of a hash made with stronger parameters too: the configuration decides', async () => {
    const stronger = new PasswordHasher({ ...OWASP_ARGON2ID, timeCost: 3 });
    expect(hasher.needsRehash(await stronger.hash('correct horse battery'))).toBe(true);
  });

  it('asks for a rehash of another argon2 variant with the same parameters, and of an unreadable hash', async () => {
    const argon2i = await argon2.hash('correct horse battery', { type: argon2.argon2i, ...OWASP_ARGON2ID });
    expect(argon2i).toMatch(/^\$argon2i\$/);
    expect(hasher.needsRehash(argon2i)).toBe(true);
    expect(hasher.needsRehash('$argon2id$garbage')).toBe(true);
  });

  it('still runs one argon2 verification for an unknown user, and answers false', async () => {
    const verify = jest.spyOn(argon2, 'verify');
    try {
      expect(await hasher.verify(undefined, 'whatever password')).toBe(false);
      expect(verify).toHaveBeenCalledTimes(1);
      expect(verify.mock.calls[0][0]).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    } finally {
      verify.mockRestore();
    }
  });
});
