import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createTestSigningKey, signRawTestToken, type TestSigningKey } from '@tessera/auth/testing';
import { testDatabaseTargets } from '@tessera/platform/testing';
import type { JWK } from 'jose';

import { expectInvalidToken } from './support/expect';
import { startSystem, type SecuritySystem, type User } from './support/system';
import {
  b64,
  expectAcceptedEverywhere,
  expectRefusedEverywhere,
  hmacToken,
  issuerJwk,
  userClaims,
} from './support/tokens';

const pem = (jwk: JWK, type: 'spki' | 'pkcs1') =>
  createPublicKey({ key: jwk, format: 'jwk' }).export({ type, format: 'pem' }).toString();

/** RS256 over exactly this header and payload with any private key (the attacker's own). */
function rsToken(key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/**
 * RFC 8725 (JWT Best Current Practices): algorithm verification (§3.1), appropriate
 * algorithms (§3.2), keys the token names itself (§3.10 and RFC 7515 §4.1.2-4.1.6), explicit
 * typing (§3.11) is in rfc7515-7519.e2e-spec.ts, with a trusted key. Every forged token carries the admin role: a single acceptance would be an
 * escalation. Each is refused by orders and profile over HTTP and over NATS.
 */
// Token cases do not depend on the database: one target (PostgreSQL when reachable, it boots
// faster than embedded PGlite) keeps the suite's time down.
describe.each(testDatabaseTargets().slice(-1))('RFC 8725: algorithms and keys on $name', (target) => {
  let s: SecuritySystem;
  let user: User & { access: string };
  let realJwk: JWK & { kid: string };
  let attacker: TestSigningKey;
  let listener: Server;
  let listenerUrl: string;
  const listenerHits: string[] = [];

  beforeAll(async () => {
    s = await startSystem(target, { services: true });
    user = await s.session();
    realJwk = await issuerJwk(s);
    attacker = await createTestSigningKey('RS256');
    listener = createServer((req, res) => {
      listenerHits.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [attacker.publicJwk] }));
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    listenerUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    // Three apps, each booting its own database, on a 2-core machine that may be busy.
  }, 180_000);

  afterAll(async () => {
    await new Promise((resolve) => listener?.close(resolve));
    await s?.close();
  });

  const admin = () => userClaims(user.id, { roles: ['user', 'admin'] });

  it('control: the issuer’s own token is accepted by orders and profile over HTTP and NATS', async () => {
    await expectAcceptedEverywhere(s, user.access, user.id);
  });

  describe('§3.1 the algorithm comes from the key, never from the token', () => {
    it.each(['none', 'None', 'NONE', 'nOnE', 'NoNe'])(
      'alg "%s" with an empty or a made-up signature: 401',
      async (alg) => {
        const header = { alg, typ: 'at+jwt', kid: realJwk.kid };
        const unsigned = `${b64(header)}.${b64(admin())}`;
        for (const token of [`${unsigned}.`, `${unsigned}.AAAA`, `${unsigned}`]) {
          await expectRefusedEverywhere(s, token, user.id);
          expectInvalidToken(await s.call('auth', 'GET', '/admin/users', { token }));
        }
      },
    );

    /** Every spelling of the issuer's public key an HMAC library could be handed as a "secret". */
    const spellings: [string, (jwk: JWK) => Buffer | string][] = [
      ['PEM SPKI', (jwk) => pem(jwk, 'spki')],
      ['PEM SPKI without the final newline', (jwk) => pem(jwk, 'spki').trimEnd()],
      ['PEM SPKI with CRLF line ends', (jwk) => pem(jwk, 'spki').replace(/\n/g, '\r\n')],
      ['PEM SPKI with stray spaces and blank lines', (jwk) => `  \n${pem(jwk, 'spki').replace(/\n/g, ' \n')}\n\n`],
      ['PEM PKCS#1', (jwk) => pem(jwk, 'pkcs1')],
      ['PEM PKCS#1 without the final newline', (jwk) => pem(jwk, 'pkcs1').trimEnd()],
      ['PEM PKCS#1 with stray whitespace', (jwk) => `\t${pem(jwk, 'pkcs1').replace(/\n/g, '\r\n ')}`],
      ['DER SPKI', (jwk) => createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' })],
      ['DER PKCS#1', (jwk) => createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs1', format: 'der' })],
      ['JWK JSON as published', (jwk) => JSON.stringify(jwk)],
      ['JWK JSON, public members only', (jwk) => JSON.stringify({ kty: jwk.kty, n: jwk.n, e: jwk.e })],
      ['JWK JSON, pretty-printed', (jwk) => JSON.stringify(jwk, null, 2)],
      ['the modulus n', (jwk) => jwk.n!],
    ];

    it.each(spellings)('HS256 signed with the issuer’s public key as the secret (%s): 401', async (_name, spell) => {
      const token = hmacToken(spell(realJwk), { alg: 'HS256', typ: 'at+jwt', kid: realJwk.kid }, admin());
      await expectRefusedEverywhere(s, token, user.id);
      expectInvalidToken(await s.call('auth', 'GET', '/admin/users', { token }));
    });

    it('HS384/HS512 and PS256 named in the header with the real kid: 401', async () => {
      const spki = pem(realJwk, 'spki');
      for (const alg of ['HS384', 'HS512', 'PS256', 'RS512']) {
        const token = hmacToken(spki, { alg, typ: 'at+jwt', kid: realJwk.kid }, admin());
        await expectRefusedEverywhere(s, token, user.id);
      }
    });
  });

  describe('§3.2 only the issuer’s keys sign', () => {
    it('a valid RS256 signature from a foreign key under the issuer’s real kid: 401', async () => {
      const token = signRawTestToken(attacker, { alg: 'RS256', typ: 'at+jwt', kid: realJwk.kid }, admin());
      await expectRefusedEverywhere(s, token, user.id);
    });

    it('a valid ES256 signature from a foreign key under the issuer’s real kid: 401', async () => {
      const ec = await createTestSigningKey('ES256');
      const token = signRawTestToken(ec, { alg: 'ES256', typ: 'at+jwt', kid: realJwk.kid }, admin());
      await expectRefusedEverywhere(s, token, user.id);
    });

    it('a foreign key’s token under its own kid, which no key set holds: 401', async () => {
      const token = signRawTestToken(attacker, { alg: 'RS256', typ: 'at+jwt', kid: attacker.kid }, admin());
      await expectRefusedEverywhere(s, token, user.id);
    });
  });

  describe('§3.10 / RFC 7515 §4.1: a token never chooses its own key', () => {
    it('an embedded jwk (the attacker’s public key), under its kid and under the real one: 401', async () => {
      for (const kid of [attacker.kid, realJwk.kid]) {
        const header = { alg: 'RS256', typ: 'at+jwt', kid, jwk: attacker.publicJwk };
        await expectRefusedEverywhere(s, signRawTestToken(attacker, header, admin()), user.id);
      }
    });

    it('jku and x5u pointing at a loopback listener: 401, and the listener receives nothing', async () => {
      for (const [name, value] of [
        ['jku', `${listenerUrl}/jwks.json`],
        ['x5u', `${listenerUrl}/cert.pem`],
      ] as const) {
        for (const kid of [attacker.kid, realJwk.kid]) {
          const header = { alg: 'RS256', typ: 'at+jwt', kid, [name]: value };
          await expectRefusedEverywhere(s, signRawTestToken(attacker, header, admin()), user.id);
        }
      }
      // Long enough for any fetch a verifier might have started in the background.
      await new Promise((r) => setTimeout(r, 500));
      expect(listenerHits).toEqual([]);
    });

    it('a self-signed certificate in x5c (and its x5t thumbprints), the token signed by its key: 401', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'security-x5c-'));
      try {
        execFileSync(
          'openssl',
          ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=auth.security.test'].concat([
            '-keyout',
            path.join(dir, 'key.pem'),
            '-out',
            path.join(dir, 'cert.pem'),
          ]),
          { stdio: 'ignore' },
        );
        const key = createPrivateKey(readFileSync(path.join(dir, 'key.pem')));
        const der = Buffer.from(
          readFileSync(path.join(dir, 'cert.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
          'base64',
        );
        const x5c = [der.toString('base64')];
        for (const extra of [{ x5c }, { x5c, x5t: 'AAAA' }, { 'x5t#S256': 'AAAA' }]) {
          for (const kid of [realJwk.kid, 'self-signed']) {
            const token = rsToken(key, { alg: 'RS256', typ: 'at+jwt', kid, ...extra }, admin());
            await expectRefusedEverywhere(s, token, user.id);
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.each<[string, unknown]>([
      ['a path', '../../../../etc/passwd'],
      ['a path with NUL', '../keys/\u0000real'],
      ['SQL', "' OR '1'='1' --"],
      ['SQL with the real kid', `${'x'}' UNION SELECT kid FROM signing_keys --`],
      ['a URL', 'http://127.0.0.1/jwks.json'],
      ['very long (8 KB)', 'k'.repeat(8000)],
      ['very long (129 chars)', 'k'.repeat(129)],
      ['empty', ''],
      ['a number', 7],
      ['null', null],
      ['an object', { kid: 'x' }],
      ['an array holding the real kid', ['REAL']],
      ['true', true],
    ])('kid as %s: 401 and nothing else happens', async (_name, kid) => {
      const value = Array.isArray(kid) ? [realJwk.kid] : kid;
      const token = signRawTestToken(attacker, { alg: 'RS256', typ: 'at+jwt', kid: value }, admin());
      await expectRefusedEverywhere(s, token, user.id);
    });

    it('no kid at all: 401', async () => {
      const token = signRawTestToken(attacker, { alg: 'RS256', typ: 'at+jwt' }, admin());
      await expectRefusedEverywhere(s, token, user.id);
    });

    it('a flood of 300 random kids refreshes each service’s key set at most once, and a real token still works', async () => {
      const before = { orders: await s.keyRefreshCount('orders'), profile: await s.keyRefreshCount('profile') };
      const tokens = Array.from({ length: 150 }, (_, i) =>
        signRawTestToken(attacker, { alg: 'RS256', typ: 'at+jwt', kid: `flood-${i}-${Math.random()}` }, admin()),
      );
      const answers = await Promise.all(
        tokens.flatMap((token) => [
          s.call('orders', 'GET', '/orders', { token }),
          s.call('profile', 'GET', '/profile/me', { token }),
        ]),
      );
      answers.forEach(expectInvalidToken);
      const rpc = await Promise.all(tokens.slice(0, 50).map((t) => s.rpcCall('profile', user.id, `Bearer ${t}`)));
      expect(rpc.every((o) => o.status === 401 && o.code === 'invalid_token')).toBe(true);
      expect((await s.keyRefreshCount('orders')) - before.orders).toBeLessThanOrEqual(1);
      expect((await s.keyRefreshCount('profile')) - before.profile).toBeLessThanOrEqual(1);
      await expectAcceptedEverywhere(s, user.access, user.id);
    });
  });
});
