/**
 * An error meant for the caller: it becomes an RFC 9457 problem with a stable machine `code`.
 * Anything that is not an AppError (or does not look like one) is an internal error and is
 * reported as a bare 500 without details.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, code, message, details);
export const forbidden = (code: string, message: string) => new AppError(403, code, message);
export const notFound = (code: string, message: string) => new AppError(404, code, message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(422, code, message, details);

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problem(
  status: number,
  code: string,
  detail?: string,
  extras: Record<string, unknown> = {},
): ProblemBody {
  return {
    type: `https://docs.tutorhub.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    ...extras,
  };
}

/** Duck-typed so that domain errors of any app (status + code) map without importing them here. */
export function isCallerError(err: unknown): err is { status: number; code: string; message: string; details?: Record<string, unknown> } {
  if (!err || typeof err !== 'object') return false;
  const e = err as Record<string, unknown>;
  return (
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 500 &&
    typeof e.code === 'string' &&
    typeof e.message === 'string'
  );
}

function isUnavailableError(err: unknown): err is { status: 503; code: string; message: string } {
  if (!err || typeof err !== 'object') return false;
  const e = err as Record<string, unknown>;
  return e.status === 503 && typeof e.code === 'string' && typeof e.message === 'string';
}

export function toProblem(err: unknown): ProblemBody {
  if (isCallerError(err)) {
    const extras: Record<string, unknown> = {};
    if (err.details) {
      const { errors, ...rest } = err.details as { errors?: unknown };
      if (Array.isArray(errors)) extras.errors = errors;
      if (Object.keys(rest).length) extras.details = rest;
    }
    return problem(err.status, err.code, err.message, extras);
  }
  // A deliberate "not now, retry" (e.g. the gateway cannot check a token's session during a
  // database failover): a 503 with its own code, never a 500.
  if (isUnavailableError(err)) return problem(503, err.code, err.message);
  if (isTransientInfrastructureError(err)) {
    return problem(503, 'database.unavailable', 'The database is temporarily unavailable; retry shortly.');
  }
  return problem(500, 'internal_error', 'An unexpected error occurred.');
}

/**
 * SQLSTATE classes and codes that say "the database cannot serve now", not "this request is
 * wrong". 25006 (`cannot execute … in a read-only transaction`) is a write that reached a standby:
 * during a failover the primary's address can briefly lead to a node that is not (yet) writable.
 */
const TRANSIENT_SQLSTATES = /^(08...|53...|57P0[123]|57014|25006)$/;
const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const TRANSIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is closed',
  'the database system is',
  'terminating connection',
];

/**
 * True for a failure of the database connection rather than of the work: refused or dropped
 * connections, a restarting or shutting-down server (57P01–57P03), connection exceptions (08xxx),
 * exhausted resources such as `too many clients` (53xxx), a statement cancelled by a timeout
 * (57014), a write on a read-only standby mid-failover (25006). Such errors become 503 problems (the caller may retry) instead of 500s, and event
 * consumers wait them out instead of counting them towards a message's dead-letter limit.
 * Duck-typed (pg and TypeORM errors alike) so that this library needs no driver.
 */
export function isTransientInfrastructureError(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && (TRANSIENT_SQLSTATES.test(e.code) || TRANSIENT_NETWORK.has(e.code))) return true;
    if (typeof e.message === 'string' && TRANSIENT_MESSAGES.some((m) => (e?.message as string).includes(m))) return true;
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * A broken business rule, raised by pure domain code: `code` is stable and machine-readable
 * (clients and the problem mapper key on it); `status` is a hint for the transport layer.
 */
export class DomainError extends AppError {
  constructor(code: string, message: string, status = 409, details?: Record<string, unknown>) {
    super(status, code, message, details);
    this.name = 'DomainError';
  }
}
