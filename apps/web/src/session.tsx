import { type PublicUser, TesseraApiError, TesseraClient } from '@tessera/client';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';

import type { ConsoleConfig } from './config';
import { describeError } from './errors';
import { trackedFetch } from './in-flight';
import { ROUTES } from './router';
import { completeSignIn, endSessionUrl, startSignIn, takeSignedOutReason } from './sign-in';

export interface Notice {
  tone: 'info' | 'warning' | 'error';
  text: string;
}

export type SessionState =
  | { status: 'checking' }
  | { status: 'signed-out'; notice?: Notice; email?: string }
  | { status: 'signed-in'; user: PublicUser };

interface Session {
  client: TesseraClient;
  state: SessionState;
  /** To auth's sign-in page (the code flow); back on /callback. */
  signIn: (email?: string) => Promise<void>;
  /** On /callback: exchanges the code, then the user is signed in. */
  finishSignIn: (query: URLSearchParams) => Promise<void>;
  /** Back to the sign-in page with a message (e.g. after signing up). */
  showSignIn: (notice: Notice, email?: string) => void;
  signOut: (everywhere: boolean) => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useSession outside SessionProvider');
  }
  return session;
}

/** The signed-in user's client; only for pages rendered while signed in. */
export function useClient(): TesseraClient {
  return useSession().client;
}

/**
 * One TesseraClient in browser mode for the whole console: the access token lives in its
 * memory only, the refresh token in auth's HttpOnly cookie. Signing in goes through auth's
 * OpenID Provider (the code flow with PKCE); a reload signs in again from the cookie (the
 * first call refreshes); when a refresh is refused the client calls onSignedOut.
 */
export function SessionProvider({ config, children }: { config: ConsoleConfig; children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });
  // For signing out at auth (id_token_hint); in memory only, like the access token.
  const idToken = useRef<string | undefined>(undefined);
  const client = useMemo(
    () =>
      new TesseraClient({
        ...config,
        mode: 'browser',
        fetch: trackedFetch,
        onSignedOut: () =>
          setState({
            status: 'signed-out',
            notice: { tone: 'warning', text: 'Your session has ended (signed out or expired). Sign in again.' },
          }),
      }),
    [config],
  );

  useEffect(() => {
    let current = true;
    if (window.location.pathname === ROUTES.callback) {
      // Back from auth with a code: the callback page signs in with it, not an older cookie.
      setState({ status: 'signed-out' });
      return;
    }
    const reason = takeSignedOutReason();
    client.auth.me().then(
      (user) => current && setState({ status: 'signed-in', user }),
      (error: unknown) => {
        if (!current) {
          return;
        }
        // No cookie or an ended session: simply not signed in (back from signing out: say so).
        const quiet = error instanceof TesseraApiError && error.signedOut;
        const signedOut: Notice | undefined = reason
          ? {
              tone: 'info',
              text:
                reason === 'signed-out-everywhere' ? 'You have signed out on every device.' : 'You have signed out.',
            }
          : undefined;
        setState({
          status: 'signed-out',
          notice: quiet ? signedOut : { tone: 'error', text: describeError(error).message },
        });
      },
    );
    return () => {
      current = false;
    };
  }, [client]);

  const signOut = useCallback(
    async (everywhere: boolean) => {
      try {
        // Revokes this session's tokens (or all the user's) and clears the refresh cookie.
        await (everywhere ? client.auth.logoutAll() : client.auth.logout());
      } catch (error) {
        if (!(error instanceof TesseraApiError && error.signedOut)) {
          setState({
            status: 'signed-out',
            notice: {
              tone: 'error',
              text: `You are signed out in this browser, but the server did not confirm it: ${describeError(error).message}`,
            },
          });
          return;
        }
      }
      // Then auth's own sign-in ends too, and auth sends the browser back here.
      window.location.assign(
        endSessionUrl(config, idToken.current, everywhere ? 'signed-out-everywhere' : 'signed-out'),
      );
    },
    [client, config],
  );

  const finishSignIn = useCallback(
    async (query: URLSearchParams) => {
      idToken.current = await completeSignIn(client, query);
      setState({ status: 'signed-in', user: await client.auth.me() });
    },
    [client],
  );

  const session = useMemo<Session>(
    () => ({
      client,
      state,
      signIn: (email) => startSignIn(config, email),
      finishSignIn,
      showSignIn: (notice, email) => setState({ status: 'signed-out', notice, email }),
      signOut,
    }),
    [client, config, state, signOut, finishSignIn],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
