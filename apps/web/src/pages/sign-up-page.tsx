import { useState } from 'react';

import { Link } from '../components/link';
import { ErrorSummary, Field, SubmitButton } from '../components/forms';
import { useSubmit, useTitle } from '../hooks';
import { navigate, ROUTES } from '../router';
import { useSession } from '../session';

export function SignUpPage() {
  useTitle('Create an account');
  const { client, showSignIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const form = useSubmit(async () => {
    const user = await client.auth.register({
      email,
      password,
      displayName: displayName.trim() === '' ? undefined : displayName,
    });
    showSignIn({ tone: 'info', text: `Account created for ${user.email}. Sign in with your password.` }, user.email);
    navigate(ROUTES.signIn);
  }, ['email', 'password', 'displayName']);

  return (
    <main className="narrow" data-testid="sign-up-page">
      <h1>Create an account</h1>
      <form onSubmit={form.onSubmit} noValidate aria-busy={form.busy} aria-label="Create an account">
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
          autoComplete="new-password"
          required
          hint="12 to 128 characters; a passphrase of several words is easiest to remember."
          value={password}
          onChange={setPassword}
          error={form.error}
        />
        <Field
          label="Display name"
          path="displayName"
          autoComplete="nickname"
          value={displayName}
          onChange={setDisplayName}
          error={form.error}
        />
        <SubmitButton busy={form.busy} label="Create account" busyLabel="Creating account…" />
      </form>
      <p>
        Already registered? <Link to={ROUTES.signIn}>Sign in</Link>
      </p>
    </main>
  );
}
