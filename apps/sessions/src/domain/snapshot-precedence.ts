import type { BookingStatus } from './session-window';

/** The statuses the sessions read model keeps; anything else of a booking's life is not our concern. */
export type SnapshotStatus = Extract<BookingStatus, 'confirmed' | 'cancelled' | 'no_show' | 'completed'>;

/**
 * Precedence of snapshot statuses: an event only ever moves a snapshot up. Events of one
 * booking normally arrive in order, but a retried or replayed message may not, and a
 * confirmation that lands after the cancellation must not bring the booking back.
 */
export const SNAPSHOT_RANK: Record<SnapshotStatus, number> = { confirmed: 1, completed: 2, no_show: 2, cancelled: 3 };
