import { z } from 'zod';
import { plainText } from '../../http/plain-text.ts';

export const CreateApiKeyBody = z.strictObject({
  /** A label to recognise the key by. */
  name: plainText('A key name is one line of text, without control characters.').pipe(z.string().trim().min(1, 'Give the key a name.').max(100)),
});
export const ApiKeyIdParams = z.strictObject({ id: z.uuid('An API key id is a UUID.') });
export const ApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
