import { Logger } from '@nestjs/common';

import { OAuthClientsService } from '../clients/oauth-clients.service';
import { decodeJwt } from 'jose';

import type { SessionFixture } from '../../test/session-fixture';
import { createSessionFixture } from '../../test/session-fixture';
import { loadAuthConfig } from '../config/auth.config';
import type { PresentedClient } from './client-authentication';
import {
  InvalidClientError,
  InvalidOAuthRequestError,
  InvalidScopeError,
  OAuthInvalidGrantError,
  UnsupportedGrantTypeError,
} from './oauth.errors';
import { OAuthTokenService } from './oauth-token.service';
import { ServiceClientsService } from './service-clients.service';
import type { TokenExchangeService } from './token-exchange.service';

const secret = 's'.repeat(43);
const orders: PresentedClient = { method: 'client_secret_basic', clientId: 'orders', clientSecret: secret };

describe('OAuthTokenService', () => {
  let f: SessionFixture;
  let service: OAuthTokenService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    f = await createSessionFixture();
    const config = loadAuthConfig({ NODE_ENV: 'test', SERVICE_CLIENT_SECRET_ORDERS: secret });
    // The exchange grant needs a verifier; it is covered end to end in test/token-exchange.e2e-spec.ts.
    const exchange = { exchange: () => Promise.reject(new Error('not under test')) } as unknown as TokenExchangeService;
    service = new OAuthTokenService(
      new ServiceClientsService(config, () => undefined),
      f.tokens,
      f.refresh,
      exchange,
      new OAuthClientsService(f.handle.db),
    );
  });

  afterAll(async () => {
    await f.close();
  });

  describe('client_credentials', () => {
    it('issues a service token for the authenticated client with all its scopes', async () => {
      const response = await service.token({ grant_type: 'client_credentials' }, orders);
      expect(response).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'profile:read',
      });
      expect(response).not.toHaveProperty('refresh_token');
      expect(decodeJwt(response.access_token)).toMatchObject({
        sub: 'client:orders',
        client_id: 'orders',
        aud: ['profile'],
      });
    });

    it('refuses an unauthenticated caller and a wrong secret with invalid_client', async () => {
      await expect(service.token({ grant_type: 'client_credentials' }, undefined)).rejects.toThrow(InvalidClientError);
      await expect(
        service.token({ grant_type: 'client_credentials' }, { ...orders, clientSecret: 'x'.repeat(43) }),
      ).rejects.toThrow(InvalidClientError);
    });

    it('refuses a scope the client is not allowed', async () => {
      await expect(service.token({ grant_type: 'client_credentials', scope: 'orders:read' }, orders)).rejects.toThrow(
        InvalidScopeError,
      );
    });
  });

  describe('refresh_token', () => {
    it('rotates a refresh token into a new pair', async () => {
      const session = await f.refresh.start(await f.createUser(), {});
      const response = await service.token(
        { grant_type: 'refresh_token', refresh_token: session.refreshToken },
        undefined,
      );
      expect(response).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.any(String),
      });
      expect(response).not.toHaveProperty('scope');
      // The old one is spent.
      await expect(
        service.token({ grant_type: 'refresh_token', refresh_token: session.refreshToken }, undefined),
      ).rejects.toThrow(OAuthInvalidGrantError);
    });

    it('answers every refused refresh token with invalid_grant', async () => {
      for (const token of ['A'.repeat(43), 'nope']) {
        await expect(service.token({ grant_type: 'refresh_token', refresh_token: token }, undefined)).rejects.toThrow(
          OAuthInvalidGrantError,
        );
      }
    });

    it('does not spend a user’s refresh token for a service client', async () => {
      const session = await f.refresh.start(await f.createUser(), {});
      await expect(
        service.token({ grant_type: 'refresh_token', refresh_token: session.refreshToken }, orders),
      ).rejects.toThrow(OAuthInvalidGrantError);
      await expect(
        service.token({ grant_type: 'refresh_token', refresh_token: session.refreshToken }, undefined),
      ).resolves.toHaveProperty('refresh_token');
    });

    it('needs the refresh_token parameter', async () => {
      await expect(service.token({ grant_type: 'refresh_token' }, undefined)).rejects.toThrow(InvalidOAuthRequestError);
    });
  });

  it('needs a grant_type, and one it supports', async () => {
    await expect(service.token({}, orders)).rejects.toThrow(InvalidOAuthRequestError);
    await expect(service.token({ grant_type: 'password' }, orders)).rejects.toThrow(UnsupportedGrantTypeError);
  });

  it('checks client credentials before anything else', async () => {
    await expect(service.token({ grant_type: 'password' }, { ...orders, clientId: 'billing' })).rejects.toThrow(
      InvalidClientError,
    );
  });
});
