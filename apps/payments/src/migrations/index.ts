import { Initial1732280000000 } from './1732280000000-initial';
import { Payments1732290000000 } from './1732290000000-payments';
import { ChapaTrust1733000000000 } from './1733000000000-chapa-trust';
import { SlotSequence1733300000000 } from './1733300000000-slot-sequence';
import { OutboxTraceContext1734000000000 } from './1734000000000-outbox-trace-context';
import { EscrowMetricIndexes1734000200000 } from './1734000200000-escrow-metric-indexes';
import { ReleasePostings1734100000000 } from './1734100000000-release-postings';

/** Every migration of the service, in order. Listed explicitly (no globbing) so builds stay simple. */
export const migrations = [Initial1732280000000, Payments1732290000000, ChapaTrust1733000000000, SlotSequence1733300000000, OutboxTraceContext1734000000000, EscrowMetricIndexes1734000200000, ReleasePostings1734100000000];
