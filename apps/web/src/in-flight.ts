import { useSyncExternalStore } from 'react';

/** How many API requests are on the wire right now, for the indicator in the header. */
let count = 0;
const listeners = new Set<() => void>();

function change(delta: number): void {
  count += delta;
  listeners.forEach((listener) => listener());
}

/** The browser's fetch, counting requests while they are in flight. */
export const trackedFetch: typeof fetch = async (input, init) => {
  change(1);
  try {
    return await fetch(input, init);
  } finally {
    change(-1);
  }
};

export function useInFlight(): number {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => count,
  );
}
