import { cpus } from 'node:os';
import path from 'node:path';
import { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';

import { createTestSigningKey, type TestSigningKey } from '@tessera/auth/testing';

import { signTokens, type TokenSpec } from './token-signing';

export interface BenchKey extends TestSigningKey {
  privateKeyObject: KeyObject;
  pem: string;
}

/** An RS256 key pair like auth's (2048-bit), its public JWK ready to publish in a key bucket. */
export async function createBenchKey(): Promise<BenchKey> {
  const key = await createTestSigningKey('RS256');
  const privateKeyObject = KeyObject.from(key.privateKey);
  return { ...key, privateKeyObject, pem: privateKeyObject.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

export function userTokenSpec(key: BenchKey, issuer: string, ttlSeconds = 900): TokenSpec {
  return {
    kid: key.kid,
    issuer,
    audience: ['auth', 'orders', 'profile'],
    roles: ['user'],
    scope: '',
    ttlSeconds,
  };
}

export function signUserTokens(key: BenchKey, spec: TokenSpec, count: number): string[] {
  return signTokens(key.privateKeyObject, spec, count);
}

/** Signs `count` tokens on every core (worker threads). */
export async function signTokensInParallel(key: BenchKey, spec: TokenSpec, count: number): Promise<string[]> {
  const threads = Math.max(1, Math.min(cpus().length, 8));
  const share = Math.ceil(count / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, i) => {
      const n = Math.max(0, Math.min(share, count - i * share));
      return new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(path.join(__dirname, 'sign-worker.js'), {
          workerData: { pem: key.pem, spec, count: n },
        });
        worker.once('message', (tokens: string[]) => resolve(tokens));
        worker.once('error', reject);
      });
    }),
  );
  return parts.flat();
}
