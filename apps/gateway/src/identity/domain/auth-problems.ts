import { AppError } from '@tutorhub/platform';

/** The answers of the identity use cases that refuse (codes in libs/contracts/src/problems.ts). */

export const invalidCredentials = () => new AppError(401, 'auth.invalid_credentials', 'The email or password is wrong.');
export const emailTaken = () => new AppError(409, 'auth.email_taken', 'An account with this email already exists.');
export const userNotFound = () => new AppError(404, 'user.not_found', 'The account no longer exists.');

export const loginThrottled = (retryAfterSeconds: number) =>
  new AppError(429, 'auth.login_throttled', 'Too many failed logins for this account; wait for the time in Retry-After and try again.', { retryAfterSeconds });

export const REFRESH_ERRORS = {
  'auth.refresh_token_invalid': 'The refresh token is not valid.',
  'auth.refresh_token_revoked': 'The session has ended; log in again.',
  'auth.refresh_token_reused': 'The refresh token was already used; the session has been ended for safety. Log in again.',
  'auth.refresh_token_expired': 'The refresh token has expired; log in again.',
} as const;

export type RefreshRefusal = keyof typeof REFRESH_ERRORS;

export const refreshRefused = (code: RefreshRefusal) => new AppError(401, code, REFRESH_ERRORS[code]);
