import { Logger } from '@nestjs/common';

import type { SessionFixture } from '../../test/session-fixture';
import { createSessionFixture } from '../../test/session-fixture';
import { loadAuthConfig } from '../config/auth.config';
import type { AccessTokenInspector } from './access-token-inspector';
import type { PresentedClient } from './client-authentication';
import { InvalidClientError, InvalidOAuthRequestError } from './oauth.errors';
import { ServiceClientsService } from './service-clients.service';
import { TokenRevocationService } from './token-revocation.service';

const secret = 's'.repeat(43);
const orders: PresentedClient = { method: 'client_secret_post', clientId: 'orders', clientSecret: secret };
const serviceToken = 'header.payload.signature';

describe('TokenRevocationService', () => {
  let f: SessionFixture;
  let service: TokenRevocationService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    f = await createSessionFixture();
    const config = loadAuthConfig({ NODE_ENV: 'test', SERVICE_CLIENT_SECRET_ORDERS: secret });
    const inspector = {
      revocable: async (token: string) =>
        token === serviceToken ? { jti: 'service-jti', exp: 2_000_000_000 } : undefined,
    } as AccessTokenInspector;
    service = new TokenRevocationService(
      new ServiceClientsService(config, () => undefined),
      f.families,
      inspector,
      f.revocations,
    );
  });

  afterAll(async () => {
    await f.close();
  });

  beforeEach(() => {
    f.published.jtis.length = 0;
  });

  it('revokes an access token of ours by jti until it expires', async () => {
    await service.revoke({ token: serviceToken, token_type_hint: 'refresh_token' }, orders);
    expect(f.published.jtis).toEqual([{ jti: 'service-jti', exp: 2_000_000_000 }]);
  });

  it('ends the session of a refresh token, without client authentication', async () => {
    const session = await f.refresh.start(await f.createUser(), {});
    await service.revoke({ token: session.refreshToken, token_type_hint: 'access_token' }, undefined);
    expect(f.published.jtis).toEqual([{ jti: session.accessToken.jti, exp: session.accessToken.expiresAt }]);
    await expect(f.refresh.rotate(session.refreshToken)).rejects.toThrow();
  });

  it('does nothing, and says nothing, for a token it does not know', async () => {
    await expect(service.revoke({ token: 'A'.repeat(43) }, undefined)).resolves.toBeUndefined();
    await expect(service.revoke({ token: 'a.b.c' }, undefined)).resolves.toBeUndefined();
    expect(f.published.jtis).toEqual([]);
  });

  it('refuses wrong client credentials before touching the token', async () => {
    await expect(service.revoke({ token: serviceToken }, { ...orders, clientSecret: 'x'.repeat(43) })).rejects.toThrow(
      InvalidClientError,
    );
    expect(f.published.jtis).toEqual([]);
  });

  it('needs the token parameter', async () => {
    await expect(service.revoke({}, undefined)).rejects.toThrow(InvalidOAuthRequestError);
  });
});
