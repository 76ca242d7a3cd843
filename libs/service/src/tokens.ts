/** Injection token of the service's validated configuration object. */
export const CONFIG = Symbol('CONFIG');

/** Injection token of the Postgres schema the service owns (ServiceDefinition.schema). */
export const SERVICE_SCHEMA = Symbol('SERVICE_SCHEMA');
