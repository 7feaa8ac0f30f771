import { type ReactNode, useEffect, useState } from 'react';

import { Loading } from './components/forms';
import { Link } from './components/link';
import { useInFlight } from './in-flight';
import { OrdersPage } from './pages/orders-page';
import { OverviewPage } from './pages/overview-page';
import { ProfilePage } from './pages/profile-page';
import { CallbackPage } from './pages/callback-page';
import { SessionsPage } from './pages/sessions-page';
import { SignInPage } from './pages/sign-in-page';
import { SignUpPage } from './pages/sign-up-page';
import { isPublicRoute, navigate, ROUTES, usePath } from './router';
import { useSession } from './session';

export function App() {
  const { state } = useSession();
  const path = usePath();

  // Signed out on a page that needs a session: the sign-in page. Signed in on the sign-in or
  // sign-up page (or back from auth on /callback): the overview.
  const redirect =
    state.status === 'signed-out' && !isPublicRoute(path)
      ? ROUTES.signIn
      : state.status === 'signed-in' && isPublicRoute(path)
        ? ROUTES.overview
        : null;
  useEffect(() => {
    if (redirect) {
      navigate(redirect, { replace: true });
    }
  }, [redirect]);

  if (state.status === 'checking') {
    return (
      <Shell>
        <main className="narrow">
          <Loading what="the console" />
        </main>
      </Shell>
    );
  }
  if (state.status === 'signed-out') {
    return (
      <Shell>
        {path === ROUTES.signUp ? <SignUpPage /> : path === ROUTES.callback ? <CallbackPage /> : <SignInPage />}
      </Shell>
    );
  }
  return (
    <Shell signedIn>
      {path === ROUTES.profile ? (
        <ProfilePage />
      ) : path === ROUTES.orders ? (
        <OrdersPage />
      ) : path === ROUTES.sessions ? (
        <SessionsPage />
      ) : (
        <OverviewPage />
      )}
    </Shell>
  );
}

function Shell({ children, signedIn = false }: { children: ReactNode; signedIn?: boolean }) {
  const inFlight = useInFlight();
  return (
    <>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Tessera console</span>
        <span
          className={inFlight > 0 ? 'in-flight active' : 'in-flight'}
          role="status"
          aria-live="polite"
          data-testid="in-flight"
          data-count={inFlight}
        >
          {inFlight > 0 ? (
            <>
              <span className="spinner" aria-hidden="true" />
              Working…
            </>
          ) : null}
        </span>
        {signedIn ? <Navigation /> : null}
      </header>
      <div id="content">{children}</div>
    </>
  );
}

function Navigation() {
  const { state, signOut } = useSession();
  const [busy, setBusy] = useState<'here' | 'everywhere' | null>(null);
  const run = (everywhere: boolean) => {
    setBusy(everywhere ? 'everywhere' : 'here');
    // signOut never rejects; the shell it belongs to goes away with the session.
    void signOut(everywhere);
  };
  return (
    <>
      <nav aria-label="Main">
        <Link to={ROUTES.overview}>Overview</Link>
        <Link to={ROUTES.profile}>Profile</Link>
        <Link to={ROUTES.orders}>Orders</Link>
        <Link to={ROUTES.sessions}>Sessions</Link>
      </nav>
      <div className="account">
        {state.status === 'signed-in' ? <span data-testid="user-email">{state.user.email}</span> : null}
        <button type="button" className="secondary" disabled={busy !== null} onClick={() => run(false)}>
          {busy === 'here' ? 'Signing out…' : 'Sign out'}
        </button>
        <button type="button" className="secondary" disabled={busy !== null} onClick={() => run(true)}>
          {busy === 'everywhere' ? 'Signing out everywhere…' : 'Sign out everywhere'}
        </button>
      </div>
    </>
  );
}
