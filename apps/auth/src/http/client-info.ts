/** Who started a session, as shown in the session list. Never used for a security decision. */
export interface ClientInfo {
  userAgent?: string;
  clientAddress?: string;
}
