import { useState } from 'react';

import { Link } from '../components/link';
import { ErrorSummary, Field, NoticeBox, SubmitButton } from '../components/forms';
import { useSubmit, useTitle } from '../hooks';
import { navigate, ROUTES } from '../router';
import { useSession } from '../session';

export function SignInPage() {
  useTitle('Sign in');
  const { client, state, signedIn } = useSession();
  const [email, setEmail] = useState(state.status === 'signed-out' ? (state.email ?? '') : '');
  const [password, setPassword] = useState('');
  const form = useSubmit(async () => {
    await client.auth.login({ email, password });
    signedIn(await client.auth.me());
    navigate(ROUTES.overview);
  }, ['email', 'password']);

  return (
    <main className="narrow" data-testid="sign-in-page">
      <h1>Sign in</h1>
      <NoticeBox notice={state.status === 'signed-out' ? state.notice : null} />
      <form onSubmit={form.onSubmit} noValidate aria-busy={form.busy} aria-label="Sign in">
        <ErrorSummary error={form.error} />
        <Field
          label="Email"
          path="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
          error={form.error}
        />
        <Field
          label="Password"
          path="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
          error={form.error}
        />
        <SubmitButton busy={form.busy} label="Sign in" busyLabel="Signing in…" />
      </form>
      <p>
        No account yet? <Link to={ROUTES.signUp}>Create one</Link>
      </p>
    </main>
  );
}
