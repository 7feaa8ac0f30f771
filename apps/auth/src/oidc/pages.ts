import { createHash } from 'node:crypto';

/**
 * The provider's HTML pages: the sign-in page, consent, logout and errors. Plain server-rendered
 * forms with no script at all, one stylesheet allowed by its hash, every value escaped.
 */

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}',
  'h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}',
  'input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}',
  'button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}',
  '.error{color:#b3261e;border:1px solid #b3261e;padding:.5rem;border-radius:4px}',
  'ul{padding-left:1.2rem}.muted{color:#57606a;font-size:.9rem}',
].join('');

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** The origins a page's form may lead to, beyond its own: where the redirects after it go. */
function formAction(redirectTargets: readonly string[]): string {
  const origins = new Set<string>();
  for (const target of redirectTargets) {
    try {
      const url = new URL(target);
      origins.add(url.protocol.startsWith('http') ? url.origin : `${url.protocol}`);
    } catch {
      // Not a URL: contributes nothing.
    }
  }
  return ["'self'", ...origins].join(' ');
}

/**
 * The CSP source allowing the one inline script of an HTML answer (its sha256), or undefined
 * when it has none. oidc-provider answers a logout whose sign-in has already ended with a page
 * that submits the confirmation by itself; without this, `default-src 'none'` blocks that
 * script and the browser stays on a blank page.
 */
export function inlineScriptSource(html: string): string | undefined {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
  if (scripts.length !== 1) {
    return undefined;
  }
  return `'sha256-${createHash('sha256').update(scripts[0][1]).digest('base64')}'`;
}

function headersFor(redirectTargets: readonly string[]): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': [
      "default-src 'none'",
      `style-src ${STYLE_HASH}`,
      `form-action ${formAction(redirectTargets)}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // Not no-referrer: with it a browser sends `Origin: null` on the page's own form POST
    // (Fetch, "serializing a request origin"), which the sign-in check must refuse. same-origin
    // still sends nothing to the client on the redirect back, nor anywhere else.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  });
}

/** Most answers lead nowhere but auth: built once. */
const OWN_HEADERS = headersFor([]);

/** Headers for every page and answer of the provider; `redirectTargets` widen form-action. */
export function securityHeaders(redirectTargets: readonly string[] = []): Readonly<Record<string, string>> {
  return redirectTargets.length === 0 ? OWN_HEADERS : headersFor(redirectTargets);
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tessera</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface SignInPage {
  action: string;
  csrf: string;
  clientName: string;
  email?: string;
  error?: string;
}

export function signInPage(page: SignInPage): string {
  return layout(
    'Sign in',
    `<h1>Sign in to continue to ${escapeHtml(page.clientName)}</h1>
${page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : ''}
<form method="post" action="${escapeHtml(page.action)}" autocomplete="on">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${escapeHtml(page.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>`,
  );
}

export interface ConsentPage {
  action: string;
  csrf: string;
  clientName: string;
  scopes: readonly string[];
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'See your display name',
  email: 'See your email address',
  offline_access: 'Stay signed in while you are away',
  'orders:read': 'See your orders',
  'orders:write': 'Place and cancel orders for you',
  'profile:read': 'See your profile and shipping address',
  'profile:write': 'Change your profile and shipping address',
};

export function consentPage(page: ConsentPage): string {
  const items = page.scopes.map(
    (s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)} <span class="muted">(${escapeHtml(s)})</span></li>`,
  );
  return layout(
    'Allow access',
    `<h1>${escapeHtml(page.clientName)} wants to access your Tessera account</h1>
<p>It will be able to:</p>
<ul>
${items.join('\n')}
</ul>
<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(error: string, description: string): string {
  return layout(
    'Sign-in error',
    `<h1>Sign-in could not continue</h1>
<p class="error" role="alert">${escapeHtml(description || 'The request was not valid.')}</p>
<p class="muted">Error: ${escapeHtml(error)}. Go back to the application and try again.</p>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p class="error" role="alert">${escapeHtml(message)}</p>`);
}

/** oidc-provider's logout confirmation form (`form` is its own markup, with its xsrf value), shown with ours. */
export function logoutPage(form: string, clientName: string | undefined): string {
  return layout(
    'Sign out',
    `<h1>Sign out${clientName ? ` of ${escapeHtml(clientName)}` : ''}?</h1>
<p>This ends your Tessera sign-in and the sessions of the applications you signed in to with it.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
  );
}

export function loggedOutPage(): string {
  return layout('Signed out', '<h1>You are signed out</h1>\n<p>You can close this window.</p>');
}
