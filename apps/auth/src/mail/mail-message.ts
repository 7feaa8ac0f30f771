/**
 * One mail to one recipient, as the flows that send mail hand it to MailOutbox. The bodies are
 * final: rendered by the caller, sent exactly as given.
 */
export interface MailMessage {
  /** A UUID chosen by the caller: the idempotency key (queued once) and the Message-ID. */
  id: string;
  to: string;
  /** Which message this is (`verify-email`, `password-reset`, ...): named in logs, never the bodies. */
  template: string;
  subject: string;
  text: string;
  html: string;
}

/** Exponential backoff of a failed send: 1 s, 2 s, 4 s, ... never more than this. */
export const MAIL_RETRY_MAX_MS = 5 * 60 * 1000;
const MAIL_RETRY_FIRST_MS = 1000;

/** The wait before the next try of a message that has now failed `attempts` times (>= 1). */
export function mailRetryDelayMs(attempts: number): number {
  const doublings = Math.min(Math.max(attempts, 1) - 1, 20);
  return Math.min(MAIL_RETRY_MAX_MS, MAIL_RETRY_FIRST_MS * 2 ** doublings);
}

/** `<id@domain>` with the domain of the From address, so a resend carries the same Message-ID. */
export function messageIdFor(id: string, from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim() || 'localhost';
  return `<${id}@${domain}>`;
}
