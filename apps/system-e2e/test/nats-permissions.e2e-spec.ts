import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect, PermissionViolationError } from '@nats-io/transport-node';
import { auditSubject, Buckets, EVENT_SUBJECTS, QueueGroups, Streams, Subjects } from '@tessera/contracts';
import { startPrivateNatsServer, testDatabaseTargets } from '@tessera/platform/testing';

import { Cluster } from './cluster';

/**
 * docker/nats/nats.conf exactly as shipped (the file itself, not a copy), on a private
 * nats-server, with the three built apps connected as their own NATS users. Every case names
 * the rule of the file it checks; a refusal is the permissions violation the client is told of.
 */
const CONF = path.resolve(__dirname, '../../../docker/nats/nats.conf');
type Service = 'auth' | 'orders' | 'profile';
const SERVICES: readonly Service[] = ['auth', 'orders', 'profile'];
/** What nats.conf and the apps' NATS_PASSWORD check accept: a letter, then [A-Za-z0-9_-]. */
const passwords: Record<Service, string> = {
  auth: `p${randomBytes(32).toString('hex')}`,
  orders: `p${randomBytes(32).toString('hex')}`,
  profile: `p${randomBytes(32).toString('hex')}`,
};
const inbox = (service: Service) => `_INBOX_${service}`;
/**
 * Every password the file reads: the three above, and one for each service `npm run new-service`
 * added (its user must be there for the server to start; the rules below are the three's).
 */
const serverPasswords: Record<string, string> = {
  ...Object.fromEntries(
    [...readFileSync(CONF, 'utf8').matchAll(/\$(NATS_[A-Z0-9_]+_PASSWORD)\b/g)].map((m) => [
      m[1],
      `p${randomBytes(32).toString('hex')}`,
    ]),
  ),
  NATS_AUTH_PASSWORD: passwords.auth,
  NATS_ORDERS_PASSWORD: passwords.orders,
  NATS_PROFILE_PASSWORD: passwords.profile,
};
/** The services `npm start` and the cluster run: each one has its user in the file. */
const LISTED = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../scripts/lib/services.json'), 'utf8')) as {
    services: { name: string }[];
  }
).services.map((s) => s.name);
const KV_KEYS = `KV_${Buckets.Keys}`;
const KV_REVOCATIONS = `KV_${Buckets.Revocations}`;
/** Every event subject auth owns, from the contracts (a wildcard token made concrete). */
const AUTH_EVENTS = EVENT_SUBJECTS.filter((s) => s.startsWith('auth.')).map((s) => s.replace('*', 'login_succeeded'));

const password = 'correct horse battery staple';
const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
const order = { items: [{ sku: 'BOOK-001', quantity: 2, unitPriceCents: 1500 }] };

/** The permissions violation somewhere in an error's cause chain (requests wrap it). */
function violationOf(error: unknown): PermissionViolationError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof PermissionViolationError) {
      return e;
    }
  }
  return undefined;
}

/** The violation the server reports: its operation, subject and queue group, exactly. */
const refusal = (operation: 'publish' | 'subscription', subject: string | RegExp, queue?: string): unknown =>
  expect.objectContaining({
    name: 'PermissionViolationError',
    operation,
    subject: typeof subject === 'string' ? subject : expect.stringMatching(subject),
    queue,
  });

describe('docker/nats/nats.conf: one NATS user per service, each allowed only what it needs', () => {
  let server: Awaited<ReturnType<typeof startPrivateNatsServer>>;
  let cluster: Cluster;
  const open: NatsConnection[] = [];
  /** Status errors per connection: how the server refuses a plain publish. */
  const statusErrors = new Map<NatsConnection, Error[]>();

  async function as(service: Service, options: { inboxPrefix?: string } = {}): Promise<NatsConnection> {
    const nc = await connect({
      servers: server.url,
      user: service,
      pass: passwords[service],
      inboxPrefix: options.inboxPrefix ?? inbox(service),
      name: `e2e-as-${service}`,
    });
    open.push(nc);
    const errors: Error[] = [];
    statusErrors.set(nc, errors);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'error') {
          errors.push(s.error);
        }
      }
    })();
    return nc;
  }

  /** A plain publish: the server's -ERR arrives before the PONG of the flush. */
  async function publishAs(
    service: Service,
    subject: string,
    options: { reply?: string; data?: string } = {},
  ): Promise<Error | 'accepted'> {
    const nc = await as(service);
    nc.publish(subject, options.data ?? '{}', options.reply ? { reply: options.reply } : undefined);
    await nc.flush();
    await new Promise((r) => setTimeout(r, 50));
    return violationOf(statusErrors.get(nc)?.[0]) ?? 'accepted';
  }

  /** A subscription: the server's -ERR closes it, with the violation as the reason. */
  async function subscribeAs(service: Service, subject: string, queue?: string): Promise<Error | 'accepted'> {
    const nc = await as(service);
    const sub = nc.subscribe(subject, queue ? { queue } : {});
    await nc.flush();
    const closed = await Promise.race([sub.closed, new Promise((r) => setTimeout(() => r('open'), 200))]);
    sub.unsubscribe();
    return violationOf(closed) ?? 'accepted';
  }

  /** A request-shaped operation (JetStream API, KV, JetStream publish): it is rejected. */
  const outcome = (work: Promise<unknown>): Promise<Error | 'accepted'> =>
    work.then(
      () => 'accepted',
      (e: unknown) => violationOf(e) ?? (e as Error),
    );

  const call = (
    service: Service,
    route: string,
    init: { method?: string; body?: unknown; token?: string } = {},
  ): Promise<Response> =>
    fetch(`${cluster.url(service)}${route}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });

  /** Messages the stream holds per subject (a stream-info request every service may make). */
  async function streamSubjects(stream: string): Promise<Record<string, number>> {
    const nc = await as('auth');
    try {
      const jsm = await jetstreamManager(nc);
      return (await jsm.streams.info(stream, { subjects_filter: '>' })).state.subjects ?? {};
    } finally {
      await nc.close();
    }
  }

  beforeAll(async () => {
    server = await startPrivateNatsServer({
      configFile: CONF,
      env: serverPasswords,
    });
    const credentials = (service: Service) => ({
      NATS_USER: service,
      NATS_PASSWORD: passwords[service],
      NATS_INBOX_PREFIX: inbox(service),
    });
    // The production names (no namespace): this server is the suite's alone. Auth first: only
    // auth may create the streams and buckets, as in docker-compose.yml.
    cluster = new Cluster(
      testDatabaseTargets()[0],
      { auth: credentials('auth'), orders: credentials('orders'), profile: credentials('profile') },
      { natsUrl: server.url, namespaced: false, authFirst: true },
    );
    await cluster.start();
  }, 180_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((nc) => nc.close().catch(() => undefined)));
  });

  afterAll(async () => {
    await cluster?.stopAll();
    await server?.stop();
  });

  describe('allowed flows, each app connected as its own user', () => {
    it('register → login → profile from auth.user.registered.v1 → order with the address from profile.get.v1 → summary from orders.summary.v1 → logout revoked everywhere', async () => {
      const email = `nats-${Date.now()}@example.test`;
      const registered = await call('auth', '/auth/register', { body: { email, password, displayName: 'Ada' } });
      expect(registered.status).toBe(201);
      const userId = ((await registered.json()) as { id: string }).id;
      const login = await call('auth', '/auth/login', { body: { email, password } });
      expect(login.status).toBe(200);
      const token = ((await login.json()) as { access_token: string }).access_token;

      // auth's event through tessera_events to profile's durable consumer.
      let profile: unknown;
      for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
        profile = await (await call('profile', '/profile/me', { token })).json();
        if ((profile as { displayName?: unknown }).displayName === 'Ada') {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(profile).toMatchObject({ userId, displayName: 'Ada', shippingAddress: null });
      expect(
        (await call('profile', '/profile/me', { method: 'PATCH', token, body: { shippingAddress: address } })).status,
      ).toBe(200);

      // orders asks profile.get.v1 with its own service token; profile replies into _INBOX_orders.
      const placed = await call('orders', '/orders', { token, body: order });
      expect(placed.status).toBe(201);
      expect(await placed.json()).toMatchObject({ status: 'placed', totalCents: 3000, shippingAddress: address });
      // profile asks orders.summary.v1 on the user's behalf; orders replies into _INBOX_profile.
      expect(await (await call('profile', '/profile/me', { token })).json()).toMatchObject({
        userId,
        orders: { count: 1, totalCents: 3000 },
      });
      // Stored by JetStream, each published by its owner through its outbox: two registrations
      // (the first admin and this user), this sign-in in auth's audit trail, and the order.
      const expected = {
        [Subjects.UserRegistered]: 2,
        [auditSubject('login_succeeded')]: 1,
        [Subjects.OrderPlaced]: 1,
      };
      let stored = {};
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
        stored = await streamSubjects(Streams.Events);
        if (JSON.stringify(Object.entries(stored).sort()) === JSON.stringify(Object.entries(expected).sort())) {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(stored).toEqual(expected);

      // auth writes the revocation into tessera_revocations; orders and profile watch it.
      expect((await call('auth', '/auth/logout', { method: 'POST', token })).status).toBe(204);
      for (const service of ['orders', 'profile'] as const) {
        const route = service === 'orders' ? '/orders' : '/profile/me';
        let status = 0;
        for (const deadline = Date.now() + 5_000; Date.now() < deadline && status !== 401;) {
          status = (await call(service, route, { token })).status;
        }
        expect(status).toBe(401);
      }
    });
  });

  describe('rule: no anonymous connections; passwords only from the environment', () => {
    it('refuses a connection without credentials', async () => {
      const error = await connect({ servers: server.url, reconnect: false }).then(
        async (nc) => {
          await nc.close();
          return 'connected';
        },
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'AuthorizationError', message: 'Authorization Violation' });
    });

    it('refuses a service user with another service’s password', async () => {
      const error = await connect({ servers: server.url, user: 'orders', pass: passwords.auth, reconnect: false }).then(
        async (nc) => {
          await nc.close();
          return 'connected';
        },
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'AuthorizationError', message: 'Authorization Violation' });
    });

    it('declares exactly one user per listed service (auth, orders, profile, ...), each password an environment variable', () => {
      const conf = readFileSync(CONF, 'utf8');
      expect(LISTED.slice(0, 3)).toEqual(['auth', 'orders', 'profile']);
      expect([...conf.matchAll(/^\s*user:\s*(\S+)\s*$/gm)].map((m) => m[1])).toEqual(LISTED);
      expect([...conf.matchAll(/^\s*password:\s*(\S+)\s*$/gm)].map((m) => m[1])).toEqual(
        LISTED.map((name) => `$NATS_${name.toUpperCase().replace(/-/g, '_')}_PASSWORD`),
      );
    });
  });

  describe('rule: only auth writes the KV buckets tessera_keys and tessera_revocations', () => {
    it.each([
      ['orders', Buckets.Keys],
      ['orders', Buckets.Revocations],
      ['profile', Buckets.Keys],
      ['profile', Buckets.Revocations],
    ] as const)('refuses a put by %s into %s', async (service, bucket) => {
      const kv = await new Kvm(await as(service)).open(bucket);
      expect(await outcome(kv.put('sub.ZXZpbA', JSON.stringify({ before: 9_999_999_999 })))).toEqual(
        refusal('publish', `$KV.${bucket}.sub.ZXZpbA`),
      );
    });

    it.each([
      ['orders', KV_REVOCATIONS, 'PURGE'],
      ['profile', KV_REVOCATIONS, 'PURGE'],
      ['orders', KV_KEYS, 'DELETE'],
      ['profile', KV_KEYS, 'DELETE'],
    ] as const)('refuses %s erasing %s (%s)', async (service, stream, operation) => {
      const jsm = await jetstreamManager(await as(service));
      const work = operation === 'PURGE' ? jsm.streams.purge(stream) : jsm.streams.delete(stream);
      expect(await outcome(work)).toEqual(refusal('publish', `$JS.API.STREAM.${operation}.${stream}`));
    });

    it('lets auth write (the control: the refusals above are about who, not how)', async () => {
      const kv = await new Kvm(await as('auth')).open(Buckets.Revocations);
      expect(await outcome(kv.put('jti.Y29udHJvbA', JSON.stringify({ exp: 1 })))).toBe('accepted');
      expect(await outcome(kv.delete('jti.Y29udHJvbA'))).toBe('accepted');
    });
  });

  describe('rule: only auth publishes auth.* events; only orders publishes orders.order.placed.v1', () => {
    it.each(
      (['orders', 'profile'] as const).flatMap((service) => AUTH_EVENTS.map((subject) => [service, subject] as const)),
    )('refuses %s publishing %s to the events stream', async (service, subject) => {
      const js = jetstream(await as(service));
      expect(await outcome(js.publish(subject, '{}'))).toEqual(refusal('publish', subject));
    });

    it.each(['auth', 'profile'] as const)('refuses %s publishing orders.order.placed.v1', async (service) => {
      expect(await publishAs(service, Subjects.OrderPlaced)).toEqual(refusal('publish', Subjects.OrderPlaced));
    });
  });

  describe('rule: only auth creates or changes streams (a stream config can republish anywhere)', () => {
    it.each(['orders', 'profile'] as const)('refuses %s updating tessera_events', async (service) => {
      const jsm = await jetstreamManager(await as(service));
      const work = jsm.streams.update(Streams.Events, {
        republish: { src: '>', dest: `$KV.${Buckets.Revocations}.republished` },
      });
      expect(await outcome(work)).toEqual(refusal('publish', `$JS.API.STREAM.UPDATE.${Streams.Events}`));
    });

    it.each(['orders', 'profile'] as const)('refuses %s creating a stream', async (service) => {
      const jsm = await jetstreamManager(await as(service));
      expect(await outcome(jsm.streams.add({ name: 'shadow', subjects: ['shadow.>'] }))).toEqual(
        refusal('publish', '$JS.API.STREAM.CREATE.shadow'),
      );
    });
  });

  describe('rule: profile reads only auth.user.registered.v1 from tessera_events, through its own consumer', () => {
    it.each([
      ['orders', 'orders_spy', Subjects.SessionRevoked],
      ['orders', 'profile_user_registered', Subjects.UserRegistered],
      ['profile', 'profile_user_registered', Subjects.SessionRevoked],
      ['profile', 'profile_spy', Subjects.UserRegistered],
      ['profile', 'profile_orders', Subjects.OrderPlaced],
    ] as const)('refuses %s a consumer %s on %s', async (service, durable, subject) => {
      const jsm = await jetstreamManager(await as(service));
      const work = jsm.consumers.add(Streams.Events, { durable_name: durable, filter_subject: subject });
      expect(await outcome(work)).toEqual(
        refusal('publish', `$JS.API.CONSUMER.CREATE.${Streams.Events}.${durable}.${subject}`),
      );
    });
  });

  describe('rule: orders may not answer profile.* requests, nor profile orders.*, nor auth either', () => {
    it.each([
      ['orders', Subjects.ProfileGet, 'in the queue group profile', QueueGroups.Profile],
      ['orders', Subjects.ProfileGet, 'without a queue group', undefined],
      ['orders', 'profile.>', 'without a queue group', undefined],
      ['profile', Subjects.OrdersSummary, 'in the queue group orders', QueueGroups.Orders],
      ['profile', 'orders.>', 'without a queue group', undefined],
      ['auth', Subjects.ProfileGet, 'without a queue group', undefined],
      ['auth', Subjects.OrdersSummary, 'without a queue group', undefined],
    ] as const)('refuses %s subscribing to %s %s', async (service, subject, _, queue) => {
      expect(await subscribeAs(service, subject, queue)).toEqual(refusal('subscription', subject, queue));
    });

    it.each([
      ['profile', Subjects.ProfileGet, QueueGroups.Profile],
      ['orders', Subjects.OrdersSummary, QueueGroups.Orders],
    ] as const)('lets %s answer %s (the control)', async (service, subject, queue) => {
      expect(await subscribeAs(service, subject, queue)).toBe('accepted');
    });

    it.each([
      ['auth', Subjects.ProfileGet],
      ['profile', Subjects.ProfileGet],
      ['auth', Subjects.OrdersSummary],
      ['orders', Subjects.OrdersSummary],
    ] as const)('refuses %s asking %s, a request only its one caller makes', async (service, subject) => {
      expect(await publishAs(service, subject)).toEqual(refusal('publish', subject));
    });
  });

  describe('rule: each service receives replies only on its own inbox prefix', () => {
    it.each(
      SERVICES.flatMap((service) =>
        [...SERVICES.filter((other) => other !== service).map(inbox), '_INBOX', ''].map(
          (prefix) => [service, prefix ? `${prefix}.>` : '>'] as const,
        ),
      ),
    )('refuses %s subscribing to %s', async (service, subject) => {
      expect(await subscribeAs(service, subject)).toEqual(refusal('subscription', subject));
    });

    it('refuses a request whose replies would come to the default _INBOX prefix', async () => {
      const nc = await as('orders', { inboxPrefix: '_INBOX' });
      expect(await outcome(nc.request(Subjects.ProfileGet, '{}', { timeout: 2000 }))).toEqual(
        refusal('subscription', /^_INBOX\.[A-Za-z0-9]+\.\*$/),
      );
    });
  });

  describe('rule: a service replies only into the inboxes of the service that asks it', () => {
    it.each([
      ['auth', inbox('orders')],
      ['auth', inbox('profile')],
      ['orders', inbox('auth')],
      ['profile', inbox('auth')],
    ] as const)('refuses %s publishing into %s', async (service, prefix) => {
      expect(await publishAs(service, `${prefix}.forged`)).toEqual(refusal('publish', `${prefix}.forged`));
    });

    it.each([
      ['orders', inbox('profile')],
      ['profile', inbox('orders')],
    ] as const)('lets %s reply into %s (the control)', async (service, prefix) => {
      expect(await publishAs(service, `${prefix}.reply`)).toBe('accepted');
    });

    it('refuses profile’s answer to a request whose reply subject is a revocation entry, and the bucket stays as it was', async () => {
      const forged = `$KV.${Buckets.Revocations}.sub.${Buffer.from('victim').toString('base64url')}`;
      const before = await streamSubjects(KV_REVOCATIONS);
      const profileOutput = () => cluster.apps.get('profile')!.output.join('');
      const seen = profileOutput().length;

      // A request as Nest's ClientNats frames it, without a token: profile answers it with a 401.
      const request = JSON.stringify({ pattern: Subjects.ProfileGet, data: { userId: 'victim' }, id: 'e2e-1' });
      // Control: with an inbox orders may read, profile's answer arrives.
      const nc = await as('orders');
      const answer = await nc.request(Subjects.ProfileGet, request, { timeout: 5000 });
      expect(answer.json()).toMatchObject({ id: 'e2e-1', err: { status: 401 } });

      expect(await publishAs('orders', Subjects.ProfileGet, { reply: forged, data: request })).toBe('accepted');
      let said = '';
      for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
        said = profileOutput().slice(seen);
        if (said.includes(forged)) {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      // The apps log JSON lines: the server's words are in their `msg`, with its quotes unescaped.
      const messages = said.split('\n').map((line) => {
        try {
          return String((JSON.parse(line) as { msg?: unknown }).msg);
        } catch {
          return line;
        }
      });
      expect(messages.join('\n')).toContain(`Permissions Violation for Publish to "${forged}"`);
      expect(await streamSubjects(KV_REVOCATIONS)).toEqual(before);
    });
  });
});
