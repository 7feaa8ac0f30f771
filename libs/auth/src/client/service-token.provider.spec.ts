import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Logger } from '@nestjs/common';

import { ServiceTokenProvider, ServiceTokenUnavailableError } from './service-token.provider';

/** A token endpoint on loopback that records what it was sent (a stand-in for auth in a unit test). */
describe('ServiceTokenProvider', () => {
  let server: Server;
  let url: string;
  const seen: { authorization?: string; body: string }[] = [];
  let answer: { status: number; body: unknown; delayMs?: number } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body });
        setTimeout(() => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.body));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  });

  afterAll(() => new Promise((r) => server.close(r)));

  beforeEach(() => {
    seen.length = 0;
    answer = { status: 200, body: { access_token: 'tok-1', token_type: 'Bearer', expires_in: 300 } };
  });

  const secret = 's3cr3t:with/odd chars+' + 'x'.repeat(32);

  it('asks with client_credentials and HTTP Basic, form-encoding id and secret first', async () => {
    const provider = new ServiceTokenProvider({
      tokenUrl: url,
      clientId: 'orders',
      clientSecret: secret,
      scope: 'profile:read',
    });
    expect(await provider.token()).toBe('tok-1');
    const basic = Buffer.from(seen[0].authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(basic).toBe(`orders:${encodeURIComponent(secret)}`);
    expect(new URLSearchParams(seen[0].body).get('grant_type')).toBe('client_credentials');
    expect(new URLSearchParams(seen[0].body).get('scope')).toBe('profile:read');
  });

  it('reuses the token until 80 % of its lifetime, then renews it', async () => {
    let now = 1_000_000;
    const provider = new ServiceTokenProvider({ tokenUrl: url, clientId: 'orders', clientSecret: secret }, () => now);
    await provider.token();
    now += 200_000;
    await provider.token();
    expect(seen).toHaveLength(1);
    now += 50_000;
    answer.body = { access_token: 'tok-2', token_type: 'Bearer', expires_in: 300 };
    expect(await provider.token()).toBe('tok-2');
    expect(seen).toHaveLength(2);
  });

  it('shares one request among concurrent callers', async () => {
    answer.delayMs = 50;
    const provider = new ServiceTokenProvider({ tokenUrl: url, clientId: 'orders', clientSecret: secret });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.token()));
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(seen).toHaveLength(1);
  });

  it('turns a refusal into a 503 without logging the secret, and does not cache it', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
    answer = { status: 401, body: { error: 'invalid_client', error_description: 'no' } };
    const provider = new ServiceTokenProvider({ tokenUrl: url, clientId: 'orders', clientSecret: secret });
    await expect(provider.token()).rejects.toBeInstanceOf(ServiceTokenUnavailableError);
    expect(warnings.join(' ')).toContain('invalid_client');
    expect(warnings.join(' ')).not.toContain('s3cr3t');
    answer = { status: 200, body: { access_token: 'tok-3', token_type: 'Bearer', expires_in: 300 } };
    expect(await provider.token()).toBe('tok-3');
    jest.restoreAllMocks();
  });

  it('refuses a response that is not a bearer token', async () => {
    answer.body = { access_token: 'x', token_type: 'mac', expires_in: 300 };
    const provider = new ServiceTokenProvider({ tokenUrl: url, clientId: 'orders', clientSecret: secret });
    await expect(provider.token()).rejects.toBeInstanceOf(ServiceTokenUnavailableError);
  });

  it('answers 503 when auth is unreachable', async () => {
    const provider = new ServiceTokenProvider({
      tokenUrl: 'http://127.0.0.1:9/oauth/token',
      clientId: 'o',
      clientSecret: secret,
    });
    await expect(provider.token()).rejects.toBeInstanceOf(ServiceTokenUnavailableError);
  });
});
