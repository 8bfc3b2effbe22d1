/** Who is calling: set on `req.auth` by the authenticate middleware. */
export type AuthContext = {
  userId: string;
  email: string;
  role: 'user' | 'operator';
  /** How the caller proved it: a JWT or an API key (with the key's id). */
  method: 'jwt' | 'api_key';
  apiKeyId?: string;
};
