// The readiness poll of `npm start` and `npm run cluster`: GET <url> until it answers 200.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `url` every `intervalMs` until it answers 200 (`{ ready: true }`), `gone()` says the
 * process is no longer worth waiting for (`{ ready: false, gone: true }`), or `timeoutMs` has
 * passed (`{ ready: false, last }`, `last` being the last answer or connection error).
 * @param {string} url
 * @param {{ timeoutMs: number, intervalMs: number, gone?: () => boolean }} options
 * @returns {Promise<{ ready: true } | { ready: false, gone: true } | { ready: false, gone?: undefined, last: string }>}
 */
export async function waitHttpReady(url, { timeoutMs, intervalMs, gone = () => false }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (gone()) {
      return { ready: false, gone: true };
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status === 200) {
        return { ready: true };
      }
      last = `HTTP ${res.status} ${body.slice(0, 500)}`;
    } catch (err) {
      last = err.cause?.code ?? err.name ?? String(err);
    }
    await sleep(intervalMs);
  }
  return { ready: false, last };
}
