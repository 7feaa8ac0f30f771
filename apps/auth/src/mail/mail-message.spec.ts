import { MAIL_RETRY_MAX_MS, mailRetryDelayMs, messageIdFor } from './mail-message';

describe('mailRetryDelayMs', () => {
  it('waits 1 s after the first failure, doubling with each further one', () => {
    expect([1, 2, 3, 4, 5].map(mailRetryDelayMs)).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('never waits longer than 5 minutes, however long the outage', () => {
    expect(MAIL_RETRY_MAX_MS).toBe(300_000);
    expect(mailRetryDelayMs(9)).toBe(256_000);
    expect(mailRetryDelayMs(10)).toBe(300_000);
    expect(mailRetryDelayMs(10_000)).toBe(300_000);
  });
});

describe('messageIdFor', () => {
  const id = '0b6f7c43-7f52-4c1e-9d55-0d7e3c1b2a10';

  it('names the message by its id at the domain of the From address', () => {
    expect(messageIdFor(id, 'Tessera <no-reply@mail.example.com>')).toBe(`<${id}@mail.example.com>`);
    expect(messageIdFor(id, 'ops@example.org')).toBe(`<${id}@example.org>`);
  });
});
