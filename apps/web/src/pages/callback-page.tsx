import { useEffect } from 'react';

import { Loading } from '../components/forms';
import { describeError } from '../errors';
import { useTitle } from '../hooks';
import { navigate, ROUTES } from '../router';
import { useSession } from '../session';
import { SignInError } from '../sign-in';

/** Codes already being exchanged: a code is single-use, and a second render must not spend it again. */
const exchanging = new Set<string>();

/** Where auth sends the browser back after its sign-in page: the code becomes a session here. */
export function CallbackPage() {
  useTitle('Signing in');
  const { finishSignIn, showSignIn } = useSession();

  useEffect(() => {
    const query = new URLSearchParams(window.location.search);
    const key = query.get('code') ?? query.get('error') ?? '';
    if (exchanging.has(key)) {
      return;
    }
    exchanging.add(key);
    // The code and state leave the address bar (and the history) at once.
    window.history.replaceState(null, '', ROUTES.callback);
    finishSignIn(query).then(
      () => navigate(ROUTES.overview, { replace: true }),
      (error: unknown) => {
        const text = error instanceof SignInError ? error.message : describeError(error).message;
        showSignIn({ tone: 'error', text });
        navigate(ROUTES.signIn, { replace: true });
      },
    );
  }, [finishSignIn, showSignIn]);

  return (
    <main className="narrow" data-testid="callback-page">
      <Loading what="your session" />
    </main>
  );
}
