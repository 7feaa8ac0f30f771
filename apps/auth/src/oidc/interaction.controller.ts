import { randomBytes, timingSafeEqual } from 'node:crypto';

import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@tessera/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import '@fastify/cookie';

import { TooManyAttemptsError } from '../abuse/abuse.errors';
import { AuthConfig } from '../config/auth.config';
import { SignInService } from '../sign-in/sign-in.service';
import { InvalidCredentialsError } from '../sign-in/sign-in.errors';
import { ConsentsService, requestedScopesOf } from './consents.service';
import { OpenIdProvider } from './oidc-provider.host';
import { ACR_PASSWORD, OIDC_ROUTES } from './oidc-routes';
import { consentPage, errorPage, messagePage, securityHeaders, signInPage } from './pages';

/** The double-submit value of the sign-in and consent forms (OWASP CSRF Prevention Cheat Sheet). */
export const CSRF_COOKIE = 'tessera_op_csrf';
const EMAIL_MAX = 254;
const PASSWORD_MAX = 1024;
const UID = /^[A-Za-z0-9_-]{1,64}$/;

type Form = Record<string, unknown>;

function field(form: Form, name: string, max: number): string | undefined {
  const value = form[name];
  return typeof value === 'string' && value.length <= max ? value : undefined;
}

function sameValue(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) {
    return false;
  }
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The provider's interactions: the sign-in page and the consent page, server-rendered, no
 * script. The provider sends the browser here with an interaction id bound to its own cookie;
 * these handlers finish the interaction and the provider carries on to the client.
 *
 * A POST is accepted only with the form's CSRF value (a cookie only this origin sets, SameSite
 * Strict, equal to the hidden field) and an Origin that is auth's own: anything else is 403 and
 * signs nobody in. Failures on the page count toward the same lock as `POST /auth/login`.
 */
@ApiExcludeController()
@Public()
@Controller(OIDC_ROUTES.interaction.slice(1))
export class InteractionController {
  private readonly origin: string;

  constructor(
    private readonly provider: OpenIdProvider,
    private readonly signIn: SignInService,
    private readonly consents: ConsentsService,
    config: AuthConfig,
  ) {
    this.origin = new URL(config.AUTH_ISSUER).origin;
  }

  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const details = await this.details(uid, request, reply);
    if (!details) {
      return;
    }
    const csrf = randomBytes(32).toString('base64url');
    this.setCsrf(reply, csrf);
    const clientName = await this.clientName(details);
    if (details.prompt.name === 'login') {
      this.page(reply, 200, this.signInHtml(uid, csrf, clientName), details);
      return;
    }
    if (details.prompt.name === 'consent') {
      const scopes = requestedScopesOf(details);
      this.page(
        reply,
        200,
        consentPage({ action: `${OIDC_ROUTES.interaction}/${uid}/consent`, csrf, clientName, scopes }),
        details,
      );
      return;
    }
    this.page(reply, 400, errorPage('invalid_request', 'This sign-in step is not supported.'), details);
  }

  @Post(':uid/login')
  async login(@Param('uid') uid: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const details = await this.details(uid, request, reply);
    if (!details || !this.formAccepted(request, reply, details)) {
      return;
    }
    if (details.prompt.name !== 'login') {
      this.page(reply, 400, errorPage('invalid_request', 'This sign-in step is already done.'), details);
      return;
    }
    const form = (request.body ?? {}) as Form;
    const email = field(form, 'email', EMAIL_MAX)?.trim();
    const password = field(form, 'password', PASSWORD_MAX);
    const clientName = await this.clientName(details);
    const again = (status: number, error: string) => {
      const csrf = randomBytes(32).toString('base64url');
      this.setCsrf(reply, csrf);
      this.page(reply, status, this.signInHtml(uid, csrf, clientName, email, error), details);
    };
    if (!email || !password) {
      again(400, 'Enter your email and password.');
      return;
    }
    try {
      const user = await this.signIn.authenticate(email, password, {
        clientAddress: request.ip,
        userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined,
      });
      reply.hijack();
      await this.provider
        .provider()
        .interactionFinished(
          request.raw,
          reply.raw,
          { login: { accountId: user.id, amr: ['pwd'], acr: ACR_PASSWORD, remember: true } },
          { mergeWithLastSubmission: false },
        );
    } catch (e) {
      if (e instanceof InvalidCredentialsError) {
        again(401, 'The email or password is not right.');
        return;
      }
      if (e instanceof TooManyAttemptsError) {
        reply.header('retry-after', String(e.retryAfterSeconds));
        again(429, 'Too many failed sign-in attempts. Try again later.');
        return;
      }
      throw e;
    }
  }

  @Post(':uid/consent')
  async consent(@Param('uid') uid: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const details = await this.details(uid, request, reply);
    if (!details || !this.formAccepted(request, reply, details)) {
      return;
    }
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || !accountId) {
      this.page(reply, 400, errorPage('invalid_request', 'This sign-in step is already done.'), details);
      return;
    }
    const decision = field((request.body ?? {}) as Form, 'decision', 10);
    const provider = this.provider.provider();
    if (decision !== 'allow') {
      reply.hijack();
      await provider.interactionFinished(
        request.raw,
        reply.raw,
        { error: 'access_denied', error_description: 'The user did not allow access.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const clientId = String(details.params.client_id);
    await this.consents.remember(accountId, clientId, requestedScopesOf(details));
    const grantId = await this.consents.grantFor(provider, details, accountId);
    reply.hijack();
    await provider.interactionFinished(
      request.raw,
      reply.raw,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  /** The interaction this browser is in, or an error page already sent. */
  private async details(uid: string, request: FastifyRequest, reply: FastifyReply) {
    if (!this.provider.enabled) {
      this.page(reply, 404, messagePage('Not available', 'Sign-in with OpenID Connect needs asymmetric signing keys.'));
      return undefined;
    }
    if (!UID.test(uid)) {
      this.page(reply, 400, errorPage('invalid_request', 'This sign-in link is not valid.'));
      return undefined;
    }
    try {
      const details = await this.provider.provider().interactionDetails(request.raw, reply.raw);
      if (details.uid !== uid) {
        throw new Error('interaction mismatch');
      }
      return details;
    } catch {
      this.page(
        reply,
        400,
        errorPage(
          'invalid_request',
          'This sign-in has expired or belongs to another browser. Start again from the application.',
        ),
      );
      return undefined;
    }
  }

  /** CSRF value and Origin; a refusal is sent as 403 here. */
  private formAccepted(
    request: FastifyRequest,
    reply: FastifyReply,
    details: { params: Record<string, unknown> },
  ): boolean {
    const form = (request.body ?? {}) as Form;
    const fromCookie = request.cookies[CSRF_COOKIE];
    const ok =
      typeof request.body === 'object' &&
      request.headers.origin === this.origin &&
      sameValue(typeof fromCookie === 'string' ? fromCookie : undefined, field(form, 'csrf', 100));
    if (!ok) {
      this.page(
        reply,
        403,
        errorPage('cross_site_request', 'This form was not sent from the sign-in page. Go back and try again.'),
        details,
      );
    }
    return ok;
  }

  private setCsrf(reply: FastifyReply, value: string): void {
    void reply.setCookie(CSRF_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      path: OIDC_ROUTES.interaction,
      secure: this.origin.startsWith('https:'),
    });
  }

  private signInHtml(uid: string, csrf: string, clientName: string, email?: string, error?: string): string {
    return signInPage({
      action: `${OIDC_ROUTES.interaction}/${uid}/login`,
      csrf,
      clientName,
      ...(email !== undefined ? { email } : {}),
      ...(error !== undefined ? { error } : {}),
    });
  }

  private async clientName(details: { params: Record<string, unknown> }): Promise<string> {
    const client = await this.provider.provider().Client.find(String(details.params.client_id));
    return client?.clientName ?? String(details.params.client_id);
  }

  private page(reply: FastifyReply, status: number, html: string, details?: { params: Record<string, unknown> }): void {
    const redirect = details?.params.redirect_uri;
    void reply
      .status(status)
      .headers(securityHeaders(typeof redirect === 'string' ? [redirect] : []))
      .type('text/html; charset=utf-8')
      .send(html);
  }
}
