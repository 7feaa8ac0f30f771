import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, UseFilters } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { CurrentUser, type Principal, Roles } from '@tessera/auth';
import { ApiOpenRequestBody, ApiProblem, PROBLEM_MEDIA_TYPE, ProblemSchema } from '@tessera/platform';

import { Role } from '../accounts/roles';
import { ClientMetadataErrorFilter } from '../clients/client-metadata-error.filter';
import { ClientIdParams } from '../clients/dto/client-id.params';
import { ClientMetadataDto } from '../clients/dto/client-metadata.dto';
import {
  ClientRegistrationDto,
  ClientRegistrationErrorDto,
  RegisteredClientDto,
} from '../clients/dto/registered-client.response';
import type { ClientRegistration, RegisteredClient } from '../clients/oauth-clients.service';
import { OAuthClientsService } from '../clients/oauth-clients.service';
import type { RedirectUriPolicy } from '../clients/redirect-uri';
import { REDIRECT_URI_POLICY } from '../clients/redirect-uri';
import type { ClientInfo } from '../http/client-info';
import { RawBody } from '../http/raw-body.decorator';
import { RequestClient } from '../http/request-client.decorator';

/** The OAuth/OpenID Connect clients (relying parties) an admin registers; never a secret after the 201. */
@ApiTags('admin')
@ApiProblem(403, '`insufficient_scope`: the token does not carry the `admin` role.')
@Controller('admin/clients')
@Roles(Role.Admin)
@UseFilters(ClientMetadataErrorFilter)
export class AdminClientsController {
  constructor(
    private readonly clients: OAuthClientsService,
    @Inject(REDIRECT_URI_POLICY) private readonly policy: RedirectUriPolicy,
  ) {}

  /** 201 with the RFC 7591 §3.2.1 registration; 400 `{error, error_description}` as §3.2.2. */
  @Post()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'Register an OAuth/OpenID Connect client (RFC 7591 metadata)',
    description:
      'Unknown metadata members are ignored (RFC 7591 §2). A confidential client (any ' +
      '`token_endpoint_auth_method` but `none`) gets a `client_secret`, shown in this answer only.',
  })
  @ApiBody({ type: ClientMetadataDto })
  @ApiOpenRequestBody()
  @ApiCreatedResponse({ type: ClientRegistrationDto })
  @ApiExtraModels(ClientRegistrationErrorDto, ProblemSchema)
  @ApiResponse({
    status: 400,
    description:
      'Refused metadata is RFC 7591 §3.2.2 JSON: `invalid_redirect_uri` for any problem of a redirect URI, ' +
      '`invalid_client_metadata` for anything else (a body that is not a JSON object included). A body ' +
      'that is not JSON at all is refused before it is read, as problem+json.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ClientRegistrationErrorDto) } },
      [PROBLEM_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(ProblemSchema) } },
    },
  })
  @ApiProblem(415, '`unsupported_media_type`: the body is not application/json (an HTML form is refused).')
  register(
    @CurrentUser() actor: Principal,
    @RequestClient() client: ClientInfo,
    @RawBody() metadata: unknown,
  ): Promise<ClientRegistration> {
    return this.clients.registerBy({ subject: actor.sub, clientAddress: client.clientAddress }, metadata, this.policy);
  }

  /** 200 with every registered client, oldest first. */
  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'List the registered clients, oldest first (never a secret)' })
  @ApiOkResponse({ type: [RegisteredClientDto] })
  list(): Promise<RegisteredClient[]> {
    return this.clients.list();
  }

  @Get(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Show a registered client (never its secret)' })
  @ApiOkResponse({ type: RegisteredClientDto })
  @ApiProblem(400, '`validation_failed`: the id is not a client id (32 lowercase hex characters).')
  @ApiProblem(404, '`client_not_found`: no such client, or it was removed.')
  get(@Param() params: ClientIdParams): Promise<RegisteredClient> {
    return this.clients.get(params.id);
  }

  /** 204; the id is never issued again. */
  @Delete(':id')
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Remove a registered client',
    description: 'It can no longer sign anyone in; its id is never issued again.',
  })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblem(400, '`validation_failed`: the id is not a client id (32 lowercase hex characters).')
  @ApiProblem(404, '`client_not_found`: no such client, or it was removed already.')
  async remove(
    @CurrentUser() actor: Principal,
    @RequestClient() client: ClientInfo,
    @Param() params: ClientIdParams,
  ): Promise<void> {
    await this.clients.removeBy({ subject: actor.sub, clientAddress: client.clientAddress }, params.id);
  }
}
