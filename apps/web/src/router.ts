import { useSyncExternalStore } from 'react';

/** The console's pages; anything else shows the overview. */
export const ROUTES = {
  signIn: '/sign-in',
  signUp: '/sign-up',
  /** Where auth sends the browser back with a code (the console's registered redirect URI). */
  callback: '/callback',
  overview: '/',
  profile: '/profile',
  orders: '/orders',
  sessions: '/sessions',
} as const;
export type Route = (typeof ROUTES)[keyof typeof ROUTES];

const PUBLIC_ROUTES: readonly string[] = [ROUTES.signIn, ROUTES.signUp, ROUTES.callback];
const NAVIGATE = 'tessera:navigate';

export function isPublicRoute(path: string): boolean {
  return PUBLIC_ROUTES.includes(path);
}

/** History-API navigation within the console (the server falls back to index.html for any path). */
export function navigate(path: Route, { replace = false } = {}): void {
  if (window.location.pathname === path) {
    return;
  }
  if (replace) {
    window.history.replaceState(null, '', path);
  } else {
    window.history.pushState(null, '', path);
  }
  window.dispatchEvent(new Event(NAVIGATE));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE, onChange);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}
