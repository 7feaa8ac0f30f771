import { type PublicUser, TesseraApiError, TesseraClient } from '@tessera/client';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import type { ConsoleConfig } from './config';
import { describeError } from './errors';
import { trackedFetch } from './in-flight';

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
  signedIn: (user: PublicUser) => void;
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
 * memory only, the refresh token in auth's HttpOnly cookie. A reload signs in again from the
 * cookie (the first call refreshes); when a refresh is refused the client calls onSignedOut.
 */
export function SessionProvider({ config, children }: { config: ConsoleConfig; children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });
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
    client.auth.me().then(
      (user) => current && setState({ status: 'signed-in', user }),
      (error: unknown) => {
        if (!current) {
          return;
        }
        // No cookie or an ended session: simply not signed in.
        const quiet = error instanceof TesseraApiError && error.signedOut;
        setState({
          status: 'signed-out',
          notice: quiet ? undefined : { tone: 'error', text: describeError(error).message },
        });
      },
    );
    return () => {
      current = false;
    };
  }, [client]);

  const signOut = useCallback(
    async (everywhere: boolean) => {
      let notice: Notice = {
        tone: 'info',
        text: everywhere ? 'You have signed out on every device.' : 'You have signed out.',
      };
      try {
        await (everywhere ? client.auth.logoutAll() : client.auth.logout());
      } catch (error) {
        if (!(error instanceof TesseraApiError && error.signedOut)) {
          notice = {
            tone: 'error',
            text: `You are signed out in this browser, but the server did not confirm it: ${describeError(error).message}`,
          };
        }
      }
      setState({ status: 'signed-out', notice });
    },
    [client],
  );

  const session = useMemo<Session>(
    () => ({
      client,
      state,
      signedIn: (user) => setState({ status: 'signed-in', user }),
      showSignIn: (notice, email) => setState({ status: 'signed-out', notice, email }),
      signOut,
    }),
    [client, state, signOut],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
