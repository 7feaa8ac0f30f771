import { ErrorSummary, Loading } from '../components/forms';
import { Link } from '../components/link';
import { addressLines, dateTime, money } from '../format';
import { useLoad, useTitle } from '../hooks';
import { ROUTES } from '../router';
import { useClient } from '../session';

/** Profile, latest orders and sessions at a glance: three requests at once. */
export function OverviewPage() {
  useTitle('Overview');
  const client = useClient();
  const loaded = useLoad(() =>
    Promise.all([client.profile.me(), client.orders.list({ limit: 5 }), client.sessions.list()]),
  );

  return (
    <main data-testid="overview-page">
      <h1>Overview</h1>
      <ErrorSummary error={loaded.error} />
      {loaded.loading && !loaded.data ? <Loading what="your account" /> : null}
      {loaded.data ? (
        <div className="cards" aria-busy={loaded.loading}>
          <section className="card" aria-labelledby="overview-profile" data-testid="overview-profile">
            <h2 id="overview-profile">Profile</h2>
            <p>{loaded.data[0].displayName ?? 'No display name yet.'}</p>
            {loaded.data[0].shippingAddress ? (
              <address>
                {addressLines(loaded.data[0].shippingAddress).map((line) => (
                  <span key={line}>{line}</span>
                ))}
              </address>
            ) : (
              <p>No shipping address yet.</p>
            )}
            <Link to={ROUTES.profile}>Edit profile</Link>
          </section>
          <section className="card" aria-labelledby="overview-orders" data-testid="overview-orders">
            <h2 id="overview-orders">Latest orders</h2>
            {loaded.data[1].items.length === 0 ? <p>No orders yet.</p> : null}
            <ul className="plain">
              {loaded.data[1].items.map((order) => (
                <li key={order.id}>
                  {dateTime(order.createdAt)}: {money(order.totalCents)} ({order.status})
                </li>
              ))}
            </ul>
            <Link to={ROUTES.orders}>All orders</Link>
          </section>
          <section className="card" aria-labelledby="overview-sessions" data-testid="overview-sessions">
            <h2 id="overview-sessions">Sessions</h2>
            <p>
              {loaded.data[2].length} active session{loaded.data[2].length === 1 ? '' : 's'}
            </p>
            <Link to={ROUTES.sessions}>Manage sessions</Link>
          </section>
        </div>
      ) : null}
    </main>
  );
}
