// Adds lockfile entries for optional platform packages the local registry mirror 404s, so that
// `npm ci` validation (which expects every optionalDependency in the lock) passes. Entries carry
// os/cpu/libc so npm skips them on other platforms.
import { readFileSync, writeFileSync } from 'node:fs';
const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const platform = (name) => {
  const m =
    /-(darwin|linux|win32|android|freebsd|openharmony)-(arm64|x64|ia32|arm|ppc64|s390x|riscv64|loong64)(?:-(gnu|musl|msvc|gnueabihf|musleabihf|eabi))?$/.exec(
      name,
    );
  if (!m) return null;
  const [, os, cpu, abi] = m;
  const e = { os: [os], cpu: [cpu] };
  if (os === 'linux' && abi) e.libc = [/musl/.test(abi) ? 'musl' : 'glibc'];
  return e;
};
let added = 0;
for (const [key, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = key === '' ? '' : `${key}/`;
    const candidates = [`${base}node_modules/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => pkgs[c])) continue;
    const p = platform(dep);
    if (!p) {
      console.error(`skip ${dep} (not a platform package)`);
      continue;
    }
    pkgs[`node_modules/${dep}`] = {
      version,
      ...(p.cpu && { cpu: p.cpu }),
      ...(entry.dev ? { dev: true } : {}),
      ...(p.libc ? { libc: p.libc } : {}),
      optional: true,
      os: p.os,
    };
    added++;
    console.log(`added node_modules/${dep}@${version}`, JSON.stringify(p));
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`${added} entries added`);
