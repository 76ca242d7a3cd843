/**
 * A broken business rule. `code` is stable and machine-readable (clients and the problem+json
 * mapper key on it); `status` is only a hint for the transport layer. Kept deliberately tiny:
 * the platform team will alias it to the shared error type.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 409,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
