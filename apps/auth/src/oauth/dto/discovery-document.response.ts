import { ApiProperty } from '@nestjs/swagger';

import type { DiscoveryDocument } from '../discovery.service';

/** Authorization server metadata (RFC 8414 §2) at the path OpenID Connect clients look up. */
export class DiscoveryDocumentDto implements DiscoveryDocument {
  @ApiProperty({ example: 'http://localhost:3001' })
  issuer!: string;

  @ApiProperty({ example: 'http://localhost:3001/.well-known/jwks.json' })
  jwks_uri!: string;

  @ApiProperty({ example: 'http://localhost:3001/oauth/token' })
  token_endpoint!: string;

  @ApiProperty({ example: 'http://localhost:3001/oauth/revoke' })
  revocation_endpoint!: string;

  @ApiProperty({ example: 'http://localhost:3001/oauth/introspect' })
  introspection_endpoint!: string;

  @ApiProperty({
    type: [String],
    example: [],
    description: 'No authorization endpoint yet, so none: the grants are at the token endpoint.',
  })
  response_types_supported!: string[];

  @ApiProperty({ type: [String], example: ['client_credentials', 'refresh_token'] })
  grant_types_supported!: string[];

  @ApiProperty({ type: [String], example: ['client_secret_basic', 'client_secret_post'] })
  token_endpoint_auth_methods_supported!: string[];

  @ApiProperty({ type: [String], example: ['client_secret_basic', 'client_secret_post', 'none'] })
  revocation_endpoint_auth_methods_supported!: string[];

  @ApiProperty({ type: [String], example: ['client_secret_basic', 'client_secret_post'] })
  introspection_endpoint_auth_methods_supported!: string[];

  @ApiProperty({ type: [String], example: ['RS256'], description: 'How access tokens are signed right now.' })
  access_token_signing_alg_values_supported!: string[];

  @ApiProperty({ type: [String], example: ['profile:read', 'orders:read'] })
  scopes_supported!: string[];
}
