import { Initial1732280000000 } from './1732280000000-initial';
import { Bookings1732290000000 } from './1732290000000-bookings';
import { DisputeFreeze1733100000000 } from './1733100000000-dispute-freeze';
import { Availability1733200000000 } from './1733200000000-availability';
import { Reschedule1733300000000 } from './1733300000000-reschedule';
import { OutboxTraceContext1734000000000 } from './1734000000000-outbox-trace-context';

/** Every migration of the service, in order. Listed explicitly (no globbing) so builds stay simple. */
export const migrations = [Initial1732280000000, Bookings1732290000000, DisputeFreeze1733100000000, Availability1733200000000, Reschedule1733300000000, OutboxTraceContext1734000000000];
