import type { Session } from '@tessera/client';
import { useState } from 'react';

import { ErrorSummary, Loading, NoticeBox, SubmitButton } from '../components/forms';
import { dateTime } from '../format';
import { useLoad, useSubmit, useTitle } from '../hooks';
import { useClient, useSession } from '../session';

export function SessionsPage() {
  useTitle('Sessions');
  const client = useClient();
  const loaded = useLoad(() => client.sessions.list());
  const [ended, setEnded] = useState(false);
  return (
    <main data-testid="sessions-page">
      <h1>Sessions</h1>
      <p>Every browser or device signed in to your account. Ending a session signs that device out.</p>
      <ErrorSummary error={loaded.error} />
      {ended ? <NoticeBox notice={{ tone: 'info', text: 'Session ended.' }} /> : null}
      {loaded.loading && !loaded.data ? <Loading what="your sessions" /> : null}
      {loaded.data ? (
        <ul className="sessions" aria-busy={loaded.loading}>
          {loaded.data.map((session) => (
            <SessionItem
              key={session.id}
              session={session}
              onEnded={() => {
                setEnded(true);
                loaded.reload();
              }}
            />
          ))}
        </ul>
      ) : null}
    </main>
  );
}

function SessionItem({ session, onEnded }: { session: Session; onEnded: () => void }) {
  const { client, signOut } = useSession();
  const end = useSubmit(async () => {
    if (session.current) {
      await signOut(false);
      return;
    }
    await client.sessions.end(session.id);
    onEnded();
  });
  return (
    <li className="card" data-testid="session-row" data-current={session.current}>
      <p>
        <strong>{session.userAgent ?? 'Unknown device'}</strong>
        {session.current ? <span className="badge">This browser</span> : null}
      </p>
      <dl>
        <dt>Signed in</dt>
        <dd>{dateTime(session.createdAt)}</dd>
        <dt>Last used</dt>
        <dd>{dateTime(session.lastUsedAt)}</dd>
        <dt>Address</dt>
        <dd>{session.clientAddress ?? 'unknown'}</dd>
      </dl>
      <form onSubmit={end.onSubmit} aria-busy={end.busy} aria-label={`End session ${session.id}`}>
        <ErrorSummary error={end.error} />
        <SubmitButton
          busy={end.busy}
          label={session.current ? 'Sign out here' : 'End session'}
          busyLabel={session.current ? 'Signing out…' : 'Ending…'}
        />
      </form>
    </li>
  );
}
