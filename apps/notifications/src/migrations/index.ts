import { Initial1732280000000 } from './1732280000000-initial';
import { Notifications1732290000000 } from './1732290000000-notifications';
import { SlotSequence1733300000000 } from './1733300000000-slot-sequence';
import { ReadAtIndex1733400000000 } from './1733400000000-read-at-index';
import { OutboxTraceContext1734000000000 } from './1734000000000-outbox-trace-context';

/** Every migration of the service, in order. Listed explicitly (no globbing) so builds stay simple. */
export const migrations = [Initial1732280000000, Notifications1732290000000, SlotSequence1733300000000, ReadAtIndex1733400000000, OutboxTraceContext1734000000000];
