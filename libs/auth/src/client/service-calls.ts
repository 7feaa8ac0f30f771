import { Inject, Injectable, Optional } from '@nestjs/common';
import { NatsRpcClient } from '@tessera/platform';

import type { Principal } from '../principal';
import { SERVICE_TOKEN_PROVIDER } from './service-client.tokens';
import { ServiceTokenProvider, ServiceTokenUnavailableError } from './service-token.provider';
import { TokenExchanger } from './token-exchanger';

/** A NATS request/reply call with the credential already chosen. */
export interface CredentialedCalls {
  request<TReply extends object>(subject: string, payload: object, replyType: new () => TReply): Promise<TReply>;
}

/**
 * Calls to other services over NATS, with the credential attached. Two patterns: for the user,
 * with a token exchanged for theirs (RFC 8693), so the callee sees the user as `sub`, this
 * service as the actor and only the scopes asked for; or as this service, with its
 * client_credentials token, whose scopes say what the service may do.
 * Replies come back validated; an error reply comes back as a TesseraError with the other side's
 * status.
 */
@Injectable()
export class ServiceCalls {
  constructor(
    private readonly rpc: NatsRpcClient,
    @Optional() @Inject(SERVICE_TOKEN_PROVIDER) private readonly serviceTokens?: ServiceTokenProvider,
    @Optional() private readonly exchanger?: TokenExchanger,
  ) {}

  /**
   * For the user, to `audience`, with a token exchanged for theirs (RFC 8693): `sub` the user,
   * `aud` only that service, the scopes asked for, `act` this service. The user's own token
   * never leaves this service. Needs this service's client (`serviceClient`), registered at auth
   * for the exchange grant; without one, ServiceTokenUnavailableError (503).
   */
  forUser(user: Principal, audience: string, options: { scope?: string; requestId?: string } = {}): CredentialedCalls {
    return {
      request: async (subject, payload, replyType) => {
        if (!this.exchanger) {
          throw new ServiceTokenUnavailableError();
        }
        const token = await this.exchanger.token(user, audience, options.scope);
        return this.rpc.request(subject, payload, replyType, {
          authorization: `Bearer ${token}`,
          requestId: options.requestId,
        });
      },
    };
  }

  asService(requestId?: string): CredentialedCalls {
    return {
      request: async (subject, payload, replyType) => {
        if (!this.serviceTokens) {
          throw new ServiceTokenUnavailableError();
        }
        const token = await this.serviceTokens.token();
        return this.rpc.request(subject, payload, replyType, { authorization: `Bearer ${token}`, requestId });
      },
    };
  }
}
