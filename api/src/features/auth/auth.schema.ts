import { z } from 'zod';
import { plainText } from '../../http/plain-text.ts';

export const Email = plainText('An e-mail address has no control characters.')
  .pipe(z.string().trim().toLowerCase().max(254))
  .pipe(z.email('Enter a valid e-mail address.'))
  .describe('E-mail address (case-insensitive)');

export const RegisterBody = z.strictObject({
  /** E-mail address, unique regardless of case. */
  email: Email,
  /** 10–200 characters. */
  password: z.string().min(10, 'A password has at least 10 characters.').max(200, 'A password has at most 200 characters.').describe('10–200 characters'),
});

export const LoginBody = z.strictObject({
  /** E-mail address. */
  email: Email,
  /** Password. */
  password: z.string().min(1, 'Enter your password.').max(200),
});

export const TokenResponse = z.object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int().describe('seconds') });

export const UserResponse = z.object({ id: z.uuid(), email: z.string(), role: z.enum(['user', 'operator']), createdAt: z.string() });

export const MeResponse = UserResponse.extend({ quota: z.object({ limit: z.number().int(), used: z.number().int() }) });
