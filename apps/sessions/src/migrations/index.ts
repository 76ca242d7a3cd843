import { Initial1732280000000 } from './1732280000000-initial';
import { Sessions1732280100000 } from './1732280100000-sessions';
import { AbandonedSessions1733100000000 } from './1733100000000-abandoned-sessions';
import { SlotSequence1733300000000 } from './1733300000000-slot-sequence';
import { OutboxTraceContext1734000000000 } from './1734000000000-outbox-trace-context';

/** Every migration of the service, in order. Listed explicitly (no globbing) so builds stay simple. */
export const migrations = [Initial1732280000000, Sessions1732280100000, AbandonedSessions1733100000000, SlotSequence1733300000000, OutboxTraceContext1734000000000];
