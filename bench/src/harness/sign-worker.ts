import { parentPort, workerData } from 'node:worker_threads';

import { signTokens, type TokenSpec } from './token-signing';

// A worker thread of signTokensInParallel: RSA signing is ~0.6 ms a token, so a run that needs
// tens of thousands of never-seen tokens signs them on every core.
const { pem, spec, count } = workerData as { pem: string; spec: TokenSpec; count: number };
parentPort?.postMessage(signTokens(pem, spec, count));
