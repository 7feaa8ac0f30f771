import { TEST_ISSUER } from './auth-app.fixture';

/** One HTTP answer as a browser would see it, before following any redirect. */
export interface Hop {
  status: number;
  url: string;
  location?: string;
  headers: Headers;
  text: string;
}

/**
 * A minimal browser for the provider's pages, without a real one: a cookie jar, manual
 * redirects, and the Origin a browser sends with a form. Every request to the issuer's URLs goes
 * to the app at `base`; a redirect anywhere else (the client's redirect URI) stops there.
 * Chromium runs the same flow in the web-e2e specs.
 */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  /** Cookie names this browser holds (the provider's session cookie among them). */
  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  forget(name: string): void {
    this.cookies.delete(name);
    this.cookies.delete(`${name}.sig`);
  }

  async request(
    method: string,
    url: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Hop> {
    const target = new URL(url, TEST_ISSUER);
    const path = `${target.pathname}${target.search}`;
    const response = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(TEST_ISSUER).origin } : {}),
        ...headers,
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
      }
    }
    const location = response.headers.get('location') ?? undefined;
    return {
      status: response.status,
      url: target.href,
      ...(location ? { location: new URL(location, target).href } : {}),
      headers: response.headers,
      text: await response.text(),
    };
  }

  /** Follows redirects within the issuer; answers the last hop (a page, or a redirect that leaves). */
  async navigate(url: string, first?: Hop): Promise<Hop> {
    let hop = first ?? (await this.request('GET', url));
    // The provider names itself by the issuer, or by the host it was reached at (the app's address here).
    const own = (location: string) => location.startsWith(TEST_ISSUER) || location.startsWith(this.base);
    for (let i = 0; i < 10 && hop.location && own(hop.location); i++) {
      hop = await this.request('GET', hop.location);
    }
    return hop;
  }

  /** The hidden CSRF value and the action of the page's form. */
  static form(page: Hop): { action: string; csrf: string } {
    const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!action || !csrf) {
      throw new Error(`no form on the page (${page.status}): ${page.text.slice(0, 200)}`);
    }
    return { action: action.replace(/&#38;/g, '&'), csrf };
  }

  /** Fills the sign-in page and submits it; answers the hop after the submit. */
  async signIn(page: Hop, email: string, password: string, headers: Record<string, string> = {}): Promise<Hop> {
    const { action, csrf } = TestBrowser.form(page);
    return this.request('POST', action, { csrf, email, password }, headers);
  }
}
