import { readRevocation } from './revocation-sync.service';

const created = new Date('2026-11-23T10:00:00.000Z');
const createdSeconds = created.getTime() / 1000;

function entry(text: string) {
  return {
    created,
    json: <T>() => JSON.parse(text) as T,
  };
}

describe('readRevocation', () => {
  it('reads what auth writes', () => {
    expect(readRevocation('jti', entry('{"exp":1800000000}'), 3600)).toEqual({ seconds: 1800000000, wellFormed: true });
    expect(readRevocation('sub', entry('{"before":1700000000}'), 3600)).toEqual({
      seconds: 1700000000,
      wellFormed: true,
    });
  });

  // nats-server stores JetStream API replies and publish acks sent to a forged reply subject, so
  // a `$KV.tessera_revocations.<key>` entry can be overwritten with one of them (history 1).
  it.each([
    ['a publish ack', '{"stream":"KV_tessera_revocations","seq":42}'],
    ['an API error reply', '{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404}}'],
    ['not JSON', 'garbage'],
    ['exp as a string', '{"exp":"1800000000"}'],
  ])('never un-revokes: %s over a token id keeps it revoked for the longest token lifetime', (_kind, text) => {
    expect(readRevocation('jti', entry(text), 3600)).toEqual({ seconds: createdSeconds + 3600, wellFormed: false });
  });

  it('never un-revokes: a malformed user entry revokes what was issued before it was written', () => {
    expect(readRevocation('sub', entry('{"stream":"x","seq":1}'), 3600)).toEqual({
      seconds: createdSeconds,
      wellFormed: false,
    });
  });
});
