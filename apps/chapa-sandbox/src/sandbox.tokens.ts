/** DI token of the `SandboxConfig` the module was built with. */
export const SANDBOX_CONFIG = Symbol('CHAPA_SANDBOX_CONFIG');
