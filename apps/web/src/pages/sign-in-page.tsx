import { useState } from 'react';

import { Link } from '../components/link';
import { NoticeBox } from '../components/forms';
import { useTitle } from '../hooks';
import { ROUTES } from '../router';
import { useSession } from '../session';

/**
 * Signing in happens on auth's own page (the OpenID Provider, with its lockout and second
 * factor): this page sends the browser there and explains what happened when it comes back.
 */
export function SignInPage() {
  useTitle('Sign in');
  const { state, signIn } = useSession();
  const [busy, setBusy] = useState(false);
  const email = state.status === 'signed-out' ? state.email : undefined;

  return (
    <main className="narrow" data-testid="sign-in-page">
      <h1>Sign in</h1>
      <NoticeBox notice={state.status === 'signed-out' ? state.notice : null} />
      <p>You sign in on Tessera&apos;s sign-in page, then come back here.</p>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void signIn(email).catch(() => setBusy(false));
        }}
      >
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p>
        No account yet? <Link to={ROUTES.signUp}>Create one</Link>
      </p>
    </main>
  );
}
