import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';

import { testDatabaseTargets } from '@tessera/platform/testing';

import { OAuthClientsService } from '../src/clients/oauth-clients.service';
import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'sign-in-app', 'server.mjs');
const password = 'correct horse battery staple';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A browser without a screen: cookies per host, redirects followed, forms sent with their Origin. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  async go(url: string, form?: Record<string, string>): Promise<{ url: string; status: number; text: string }> {
    let target = new URL(url);
    let method = form ? 'POST' : 'GET';
    let body = form ? new URLSearchParams(form).toString() : undefined;
    for (let hops = 0; hops < 15; hops++) {
      const jar = this.jars.get(target.host) ?? new Map<string, string>();
      this.jars.set(target.host, jar);
      const response = await fetch(target, {
        method,
        redirect: 'manual',
        headers: {
          ...(jar.size > 0 ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded', origin: target.origin } : {}),
        },
        ...(body ? { body } : {}),
      });
      for (const line of response.headers.getSetCookie()) {
        const pair = line.split(';')[0] ?? '';
        const eq = pair.indexOf('=');
        const value = pair.slice(eq + 1);
        if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) {
          jar.delete(pair.slice(0, eq));
        } else {
          jar.set(pair.slice(0, eq), value);
        }
      }
      const location = response.headers.get('location');
      if (!location) {
        return { url: target.href, status: response.status, text: await response.text() };
      }
      target = new URL(location, target);
      method = 'GET';
      body = undefined;
    }
    throw new Error('too many redirects');
  }

  /** Fills the page's form (its hidden fields kept) and sends it to its action. */
  submit(page: { url: string; text: string }, fields: Record<string, string>) {
    const action = /<form [^>]*action="([^"]+)"/.exec(page.text)?.[1];
    const hidden = [...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)];
    if (!action) {
      throw new Error(`no form: ${page.text.slice(0, 200)}`);
    }
    return this.go(new URL(action, page.url).href, {
      ...Object.fromEntries(hidden.map((m) => [m[1], m[2]])),
      ...fields,
    });
  }
}

// README's "Sign in another application": the example app (examples/sign-in-app) as its users
// see it, signing in with a real Tessera and signing out again.
describe.each(testDatabaseTargets())('the example sign-in app on $name', (target) => {
  let auth: AuthAppFixture;
  let app: ChildProcess | undefined;
  let appUrl: string;
  let output = '';

  beforeAll(async () => {
    const authPort = await freePort();
    const appPort = await freePort();
    const issuer = `http://127.0.0.1:${authPort}`;
    appUrl = `http://127.0.0.1:${appPort}`;
    auth = await startAuthApp(target, { env: { PORT: String(authPort), AUTH_ISSUER: issuer, HOST: '127.0.0.1' } });
    const registered = await auth.app.get(OAuthClientsService, { strict: false }).register(
      {
        client_name: 'Example app',
        redirect_uris: [`${appUrl}/callback`],
        post_logout_redirect_uris: [`${appUrl}/`],
        scope: 'openid profile email',
        first_party: true,
      },
      { allowLoopbackHttp: true },
    );
    app = spawn(process.execPath, [EXAMPLE], {
      env: {
        PATH: process.env.PATH,
        ISSUER: issuer,
        CLIENT_ID: registered.client_id,
        CLIENT_SECRET: registered.client_secret,
        PORT: String(appPort),
        APP_URL: appUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    app.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    app.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let i = 0; i < 100 && !output.includes('example app at'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toContain(`example app at ${appUrl}`);
  });

  afterAll(async () => {
    if (app?.pid !== undefined && app.exitCode === null) {
      app.kill('SIGTERM');
      await once(app, 'exit');
    }
    await auth?.close();
  });

  it('signs a user in with Tessera, shows who they are, and signs them out at Tessera too', async () => {
    const email = 'example-app@example.com';
    expect((await auth.call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    const browser = new Browser();
    const home = await browser.go(`${appUrl}/`);
    expect(home.text).toContain('Sign in with Tessera');

    const signInPage = await browser.go(`${appUrl}/login`);
    expect(signInPage.url).toContain('/oauth/interaction/');
    expect(signInPage.text).toContain('Sign in to continue to Example app');
    const signedIn = await browser.submit(signInPage, { email, password });
    expect(signedIn.url).toBe(`${appUrl}/`);
    expect(signedIn.text).toContain(`Signed in as ${email}`);

    const confirm = await browser.go(`${appUrl}/logout`);
    expect(confirm.text).toContain('Sign out of Example app?');
    const out = await browser.submit(confirm, { logout: 'yes' });
    expect(out.url).toBe(`${appUrl}/`);
    expect(out.text).toContain('Sign in with Tessera');
    // The sign-in at Tessera ended too: the next sign-in asks for the password again.
    expect((await browser.go(`${appUrl}/login`)).text).toContain('<label for="password">Password</label>');
  });
});
