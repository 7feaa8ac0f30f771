import type { OrdersSummaryReply, ProfileReply, Role as KnownRole, ShippingAddress } from '@tessera/contracts';

export type { ShippingAddress };
/** A role Tessera knows, or one a newer server added. */
export type Role = KnownRole | (string & {});

export interface RegisterRequest {
  email: string;
  password: string;
  displayName?: string;
}

export interface PublicUser {
  id: string;
  email: string;
  roles: Role[];
}

export interface LoginRequest {
  email: string;
  password: string;
}

/** `POST /auth/login` and `/auth/refresh` (RFC 6749 §5.1 shape). */
export interface TokenPairResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  clientAddress: string | null;
  /** The application signed in: `tessera-web` for the console, else a registered client's id. */
  clientId: string;
  /** True for the session of the access token that asked. */
  current: boolean;
}

/** `POST /oauth/token` parameters (form-encoded on the wire). */
export type OAuthTokenRequest =
  | { grant_type: 'client_credentials'; client_id: string; client_secret: string; scope?: string }
  | { grant_type: 'refresh_token'; refresh_token: string; client_id?: string; client_secret?: string };

export interface OAuthTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}

/** The authorization code grant with PKCE (RFC 6749 §4.1.3, RFC 7636 §4.5), as a public client sends it. */
export interface CodeExchangeRequest {
  code: string;
  codeVerifier: string;
  redirectUri: string;
  clientId: string;
}

/** The token endpoint's answer to a code exchange: with an OpenID Connect ID token. */
export interface CodeExchangeResponse extends OAuthTokenResponse {
  id_token?: string;
}

export interface OAuthRevokeRequest {
  token: string;
  token_type_hint?: 'access_token' | 'refresh_token';
  client_id?: string;
  client_secret?: string;
}

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AdminUser {
  id: string;
  email: string;
  roles: Role[];
  disabled: boolean;
  createdAt: string;
}

export interface UpdateUserRequest {
  roles?: Role[];
  disabled?: boolean;
}

export interface RotatedKey {
  kid: string;
  alg: string;
}

export interface OrderItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface CreateOrderRequest {
  items: OrderItem[];
}

export interface Order {
  id: string;
  userId: string;
  status: 'placed' | 'cancelled';
  totalCents: number;
  items: OrderItem[];
  shippingAddress: ShippingAddress;
  createdAt: string;
}

export interface ListOrdersQuery extends PageQuery {
  /** Every user's orders (admins only). */
  all?: boolean;
}

export type Profile = Pick<ProfileReply, 'userId' | 'displayName' | 'shippingAddress'>;

export interface MyProfile extends Profile {
  /** The order summary profile fetched from orders; null when orders did not answer. */
  orders: Pick<OrdersSummaryReply, 'count' | 'totalCents'> | null;
}

export interface UpdateProfileRequest {
  displayName?: string;
  shippingAddress?: ShippingAddress;
}
