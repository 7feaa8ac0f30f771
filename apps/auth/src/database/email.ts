/**
 * The one spelling of an email address the database stores and looks up: trimmed, Unicode NFC,
 * domain lower-cased. The local part keeps its case: RFC 5321 §2.4 lets a mailbox treat it as
 * case-sensitive, so folding it could merge two people's accounts.
 */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().normalize('NFC');
  const at = email.lastIndexOf('@');
  if (at < 0) {
    return email;
  }
  return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}
