import { Initial1732280000000 } from './1732280000000-initial';
import { Identity1732280200000 } from './1732280200000-identity';
import { OutboxTraceContext1734000000000 } from './1734000000000-outbox-trace-context';
import { LoginThrottle1734000100000 } from './1734000100000-login-throttle';

/** Every migration of the service, in order. Listed explicitly (no globbing) so builds stay simple. */
export const migrations = [Initial1732280000000, Identity1732280200000, OutboxTraceContext1734000000000, LoginThrottle1734000100000];
