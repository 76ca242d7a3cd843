// Contract of identity (served by the gateway itself, schema `identity`): HTTP inputs and
// responses of /api/auth/* and /api/me. There are no identity RPC patterns: other services
// learn about users from `identity.user.registered.v1`.
import { z } from 'zod';
import { isoDateTime, roleSchema, uuidSchema } from '../common';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** Emails are compared and stored trimmed and lower-cased. */
export const emailInput = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'must be a valid email address' }))
  .meta({ format: 'email', description: 'Email address (trimmed and lower-cased).' });

export const passwordInput = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

/** Roles anyone may register as; admins only come from the bootstrap account. */
export const SELF_REGISTER_ROLES = ['student', 'tutor'] as const;

export const registerInput = z.strictObject({
  email: emailInput,
  password: passwordInput,
  fullName: z.string().trim().min(1).max(200),
  role: z.enum(SELF_REGISTER_ROLES),
});
export type RegisterInput = z.output<typeof registerInput>;

export const loginInput = z.strictObject({
  email: emailInput,
  // No policy on login: an old password that predates the policy still logs in.
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
export type LoginInput = z.output<typeof loginInput>;

const refreshTokenString = z.string().min(16).max(200).describe('Opaque refresh token.');
export const refreshInput = z.strictObject({ refreshToken: refreshTokenString });
export const logoutInput = z.strictObject({ refreshToken: refreshTokenString });

export const userSchema = z.object({
  id: uuidSchema,
  email: z.email(),
  fullName: z.string(),
  role: roleSchema,
  createdAt: isoDateTime,
});
export type UserView = z.infer<typeof userSchema>;

export const authSessionSchema = z.object({
  user: userSchema,
  tokenType: z.literal('Bearer'),
  accessToken: z.string().describe('JWT access token; send as `Authorization: Bearer <token>`.'),
  accessTokenExpiresAt: isoDateTime,
  /** Seconds until the access token expires (OAuth style). */
  expiresIn: z.number().int().positive(),
  refreshToken: z.string().describe('Opaque, single-use: each refresh returns a new one; reusing an old one ends the session.'),
  refreshTokenExpiresAt: isoDateTime,
});
export type AuthSession = z.infer<typeof authSessionSchema>;
