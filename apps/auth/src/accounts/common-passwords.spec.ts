import { CommonPasswords } from './common-passwords';
import { PasswordTooCommonError } from './password.errors';

describe('CommonPasswords', () => {
  const common = new CommonPasswords();

  it('holds at least the 10,000 most common passwords', () => {
    expect(common.size).toBeGreaterThanOrEqual(10_000);
  });

  it.each(['password1234', '123456789012', '111111111111', 'qwertyuiop12', '1q2w3e4r5t6y'])(
    'refuses %s',
    (password) => {
      expect(common.isCommon(password)).toBe(true);
      expect(() => common.assertAcceptable(password)).toThrow(PasswordTooCommonError);
    },
  );

  it('ignores case', () => {
    expect(common.isCommon('PassWord1234')).toBe(true);
    expect(common.isCommon('QWERTYUIOP12')).toBe(true);
  });

  it('refuses a short run repeated, and a listed password repeated', () => {
    expect(common.isCommon('abababababab')).toBe(true);
    expect(common.isCommon('abcdabcdabcd')).toBe(true);
    expect(common.isCommon('dragon'.repeat(2))).toBe(true);
    expect(common.isCommon('monkey12'.repeat(3))).toBe(true);
  });

  it('refuses the email itself, whatever its case', () => {
    expect(common.isCommon('Ada.Lovelace@Example.com', 'ada.lovelace@example.com')).toBe(true);
    expect(common.isCommon('ada.lovelace@example.com', 'Ada.Lovelace@example.com')).toBe(true);
  });

  it('accepts passwords that are neither listed nor trivial', () => {
    for (const password of ['correct horse battery staple', 'a new passphrase!', 'xk7#Qm2p!Lw9vR', 'abcdeabcdeab']) {
      expect(common.isCommon(password, 'ada@example.com')).toBe(false);
      expect(() => common.assertAcceptable(password, 'ada@example.com')).not.toThrow();
    }
  });

  it('answers 400 password_too_common', () => {
    expect(new PasswordTooCommonError()).toMatchObject({ code: 'password_too_common', status: 400 });
  });
});
