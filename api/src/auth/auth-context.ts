/** Who is calling: set on `req.auth` by the authenticate middleware. */
export type AuthContext = {
  userId: string;
  email: string;
  role: 'user' | 'operator';
  /** How the caller proved it: a JWT, an API key (with the key's id) or a dashboard session (with its hash). */
  method: 'jwt' | 'api_key' | 'session';
  apiKeyId?: string;
  sessionHash?: string;
};
