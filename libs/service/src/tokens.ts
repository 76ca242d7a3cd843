/** Injection token of the service's validated configuration object. */
export const CONFIG = Symbol('CONFIG');
