import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '@tessera/platform';
import { and, eq } from 'drizzle-orm';
import { SCOPES } from '@tessera/contracts';
import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';

import { OIDC_SCOPES } from '../clients/client-metadata';
import type { AuthDatabase } from '../database/auth-database';
import { oidcConsents } from '../database/schema';
import { isFirstParty } from './oidc-tokens';

const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(OIDC_SCOPES);

/** What an authorization request asks for, split as the provider's Grant keeps it. */
export interface RequestedScopes {
  oidc: string[];
  /** Per resource indicator, the service scopes asked for. */
  resources: Record<string, string[]>;
}

export function requestedScopes(ctx: KoaContextWithOIDC): RequestedScopes {
  const asked = [...(ctx.oidc.requestParamScopes ?? new Set<string>())];
  const resources: Record<string, string[]> = {};
  for (const [indicator, server] of Object.entries(ctx.oidc.resourceServers ?? {})) {
    const offered = new Set(String(server.scope ?? '').split(' '));
    resources[indicator] = asked.filter((s) => offered.has(s));
  }
  return { oidc: asked.filter((s) => OIDC_SCOPE_SET.has(s)), resources };
}

const KNOWN_SCOPES: ReadonlySet<string> = new Set([...OIDC_SCOPES, ...SCOPES]);

/** An interaction as the consent page reads it. */
export interface ConsentDetails {
  grantId?: string | undefined;
  params: Record<string, unknown>;
  prompt: { details: Record<string, unknown> };
}

/** The known scopes an authorization request asks for, in the order asked. */
export function requestedScopesOf(details: { params: Record<string, unknown> }): string[] {
  const scope = details.params.scope;
  const asked = typeof scope === 'string' ? scope.split(' ') : [];
  return [...new Set(asked.filter((s) => KNOWN_SCOPES.has(s)))];
}

function allScopes(requested: RequestedScopes): string[] {
  return [...new Set([...requested.oidc, ...Object.values(requested.resources).flat()])];
}

/**
 * Consent, remembered per user and client across sessions (`oidc_consents`): a third-party
 * client asks once per scope set, and again only for scopes not yet granted. A first-party client
 * never asks. The provider calls `existingGrant` before it decides whether to prompt.
 */
@Injectable()
export class ConsentsService {
  constructor(@Inject(DATABASE) private readonly db: AuthDatabase) {}

  /** The scopes the user has granted the client so far. */
  async granted(userId: string, clientId: string): Promise<Set<string>> {
    const [row] = await this.db
      .select({ scope: oidcConsents.scope })
      .from(oidcConsents)
      .where(and(eq(oidcConsents.userId, userId), eq(oidcConsents.clientId, clientId)))
      .limit(1);
    return new Set((row?.scope ?? '').split(' ').filter(Boolean));
  }

  /** Adds `scopes` to what the user granted the client. */
  async remember(userId: string, clientId: string, scopes: readonly string[], now = new Date()): Promise<void> {
    const merged = [...new Set([...(await this.granted(userId, clientId)), ...scopes])].sort().join(' ');
    await this.db
      .insert(oidcConsents)
      .values({ userId, clientId, scope: merged, updatedAt: now })
      .onConflictDoUpdate({
        target: [oidcConsents.userId, oidcConsents.clientId],
        set: { scope: merged, updatedAt: now },
      });
  }

  /**
   * The grant the user just consented to: the interaction's grant, or a new one, with what the
   * provider found missing added (oidc-provider's documented consent step). Answers its id.
   */
  async grantFor(provider: Provider, details: ConsentDetails, accountId: string): Promise<string> {
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) {
      grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    }
    if (missing.missingOIDCClaims) {
      grant.addOIDCClaims(missing.missingOIDCClaims);
    }
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    return grant.save();
  }

  /** Forgets every consent of a client (it was removed). */
  async forgetClient(clientId: string): Promise<void> {
    await this.db.delete(oidcConsents).where(eq(oidcConsents.clientId, clientId));
  }

  /**
   * The grant for this request without asking the user, or undefined to ask: a first-party
   * client's, or one the remembered consent covers entirely.
   */
  async existingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { client, session } = ctx.oidc;
    const accountId = session?.accountId;
    if (!client || !accountId) {
      return undefined;
    }
    const requested = requestedScopes(ctx);
    if (!isFirstParty(client)) {
      const remembered = await this.granted(accountId, client.clientId);
      if (!allScopes(requested).every((s) => remembered.has(s))) {
        return undefined;
      }
    }
    return this.grant(ctx, accountId, requested);
  }

  /** A grant of exactly `requested`, saved, reusing the session's grant for the client if there is one. */
  async grant(ctx: KoaContextWithOIDC, accountId: string, requested: RequestedScopes): Promise<Grant> {
    const { client, session, provider } = ctx.oidc;
    const fromConsent = (ctx.oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId;
    const existingId = fromConsent ?? session?.grantIdFor(client!.clientId);
    const existing = existingId ? await provider.Grant.find(existingId) : undefined;
    const grant = existing ?? new provider.Grant({ clientId: client!.clientId, accountId });
    if (requested.oidc.length > 0) {
      grant.addOIDCScope(requested.oidc.join(' '));
    }
    for (const [indicator, scopes] of Object.entries(requested.resources)) {
      if (scopes.length > 0) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    await grant.save();
    return grant;
  }
}
