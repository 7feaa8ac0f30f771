import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@tessera/auth';

import type { DiscoveryDocument } from './discovery.service';
import { DiscoveryService } from './discovery.service';

@Public()
@Controller('.well-known')
export class DiscoveryController {
  constructor(private readonly discovery: DiscoveryService) {}

  /** RFC 8414-style metadata at the OpenID Connect path that client libraries look up. */
  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration(): DiscoveryDocument {
    return this.discovery.document();
  }
}
