import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@tessera/auth';

import { DiscoveryDocumentDto } from './dto/discovery-document.response';
import type { DiscoveryDocument } from './discovery.service';
import { DiscoveryService } from './discovery.service';

@ApiTags('oauth')
@Public()
@Controller('.well-known')
export class DiscoveryController {
  constructor(private readonly discovery: DiscoveryService) {}

  /** RFC 8414 metadata at its own well-known path (§3). */
  @Get('oauth-authorization-server')
  @ApiOperation({
    summary: 'Authorization server metadata (RFC 8414)',
    description: 'The same document as at /.well-known/openid-configuration.',
  })
  @ApiOkResponse({ type: DiscoveryDocumentDto })
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer(): DiscoveryDocument {
    return this.discovery.document();
  }

  /** The same metadata at the OpenID Connect path that client libraries look up. */
  @Get('openid-configuration')
  @ApiOperation({
    summary: 'Authorization server metadata (RFC 8414), at the OpenID Connect discovery path',
    description: 'Served at the OpenID Connect discovery path that client libraries look up; no ID tokens yet.',
  })
  @ApiOkResponse({ type: DiscoveryDocumentDto })
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration(): DiscoveryDocument {
    return this.discovery.document();
  }
}
