import type { ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 for specs: every message it accepts, parsed by mailparser,
 * in the order received. `stop()` and `start()` take it down and bring it back on the same
 * port, as an outage would.
 */
export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  messages: ParsedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtpSink(port: number): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  let server: SMTPServer | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const s = new SMTPServer({
        // Plain SMTP on loopback: no certificate to trust, no credentials to give.
        disabledCommands: ['STARTTLS', 'AUTH'],
        authOptional: true,
        logger: false,
        closeTimeout: 500,
        onData(stream, _session, callback) {
          simpleParser(stream).then(
            (mail) => {
              messages.push(mail);
              callback();
            },
            (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
          );
        },
      });
      s.on('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) {
        resolve();
        return;
      }
      s.close(() => resolve());
    });

  await start();
  return { url: `smtp://127.0.0.1:${port}`, messages, start, stop };
}
