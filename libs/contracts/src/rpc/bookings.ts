// RPC contract of the bookings service: pattern names, zod input schemas, response shapes, and
// one `defineRpc` definition per call (`bookingsRpc`, at the end).
//
// The gateway validates HTTP input with the same schemas (and publishes them in OpenAPI), then
// forwards `{ pattern, actor, data }`; the service validates `data` again (defence in depth) and
// authorises from `actor`. Every input object is strict: an unknown key is a 400.
import { z } from 'zod';
import { currencySchema, isoDateTime, moneySchema, roleSchema, uuidSchema } from '../common';
import { absentPartySchema, bookingStatusSchema, disputeOutcomeSchema } from '../events/catalogue';
import { defineRpc, type RpcRoles } from './define';

export const BOOKINGS_RPC = {
  /** tutor: create or replace the caller's own profile. */
  tutorsUpsertMe: 'tutors.upsert_me',
  /** any user: profiles, optionally teaching a subject, cursor-paginated. */
  tutorsSearch: 'tutors.search',
  /** any user: one profile. */
  tutorsGet: 'tutors.get',
  /** student: request a lesson. */
  create: 'bookings.create',
  /** participants see theirs, an admin sees all. */
  list: 'bookings.list',
  /** participants and admin; anyone else gets 404. */
  get: 'bookings.get',
  /** the booking's tutor. */
  accept: 'bookings.accept',
  /** the booking's tutor. */
  decline: 'bookings.decline',
  /** either participant, or an admin. */
  cancel: 'bookings.cancel',
  /** either participant, once the lesson is completed. */
  review: 'bookings.review',
  /** the booking's student, from session end until the escrow is released. */
  dispute: 'bookings.dispute',
  /** admin. */
  disputesList: 'bookings.disputes.list',
  /** admin. */
  disputesResolve: 'bookings.disputes.resolve',
  /** either participant: propose a new time (replaces an open proposal). */
  reschedulePropose: 'bookings.reschedule.propose',
  /** the other participant: accept the open proposal (the booking moves). */
  rescheduleAccept: 'bookings.reschedule.accept',
  /** the other participant: decline the open proposal. */
  rescheduleDecline: 'bookings.reschedule.decline',
  /** tutor: replace the caller's weekly hours and their time zone. */
  availabilitySetMe: 'tutors.availability.set_me',
  /** any user: a tutor's weekly hours (`configured: false` when never set: bookable at any time). */
  availabilityGet: 'tutors.availability.get',
  /** tutor: add time off; answers the live bookings it overlaps. */
  timeOffCreate: 'tutors.time_off.create',
  /** tutor: the caller's time off that has not ended yet, soonest first. */
  timeOffList: 'tutors.time_off.list_me',
  /** tutor: remove one of the caller's time off entries (someone else's: 404). */
  timeOffDelete: 'tutors.time_off.delete',
  /** any user: bookable starts of a tutor in a range of at most 31 days. */
  slots: 'tutors.slots',
} as const;
export type BookingsRpcPattern = (typeof BOOKINGS_RPC)[keyof typeof BOOKINGS_RPC];

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/**
 * Subjects are compared case-insensitively: trimmed, inner whitespace collapsed, lower-cased.
 * "  Organic  Chemistry" and "organic chemistry" are the same subject for search and booking.
 */
export function normaliseSubject(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

export const subjectSchema = z
  .string()
  .max(200)
  .transform(normaliseSubject)
  .pipe(z.string().min(1, 'must not be blank').max(60));

/**
 * True for an IANA time zone name the runtime knows (e.g. `Africa/Addis_Ababa`, `UTC`).
 * Offsets such as `+03:00` and Windows names are refused: a tutor's zone must follow DST rules.
 */
export function isIanaTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isIanaTimeZone, 'must be an IANA time zone name such as Africa/Addis_Ababa')
  // The runtime's spelling ("africa/addis_ababa" → "Africa/Addis_Ababa").
  .transform((tz) => new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone);

/** Opaque cursor from a previous page's `nextCursor`. */
export const cursorSchema = z.string().min(1).max(500);
/** Page size; the query string carries it as text, hence the coercion. Default 20. */
export const pageLimitSchema = z.coerce.number().int().min(1).max(100);

/** An hourly rate: a positive whole number of minor units (santim, cents). */
export const hourlyRateSchema = z.strictObject({
  amountMinor: z.number().int().min(1).max(1_000_000_000),
  currency: currencySchema,
});

export const MAX_REVIEW_COMMENT_CHARS = 2000;

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** `PUT /api/tutors/me` body = `tutors.upsert_me` data. */
export const upsertTutorProfileInput = z.strictObject({
  headline: z.string().trim().min(1).max(120),
  bio: z.string().trim().max(5000),
  subjects: z
    .array(subjectSchema)
    .min(1)
    .max(20)
    .transform((subjects) => [...new Set(subjects)]),
  hourlyRate: hourlyRateSchema,
  timezone: timeZoneSchema,
});
export type UpsertTutorProfileInput = z.output<typeof upsertTutorProfileInput>;

/** `GET /api/tutors?subject=&cursor=&limit=` query = `tutors.search` data. */
export const searchTutorsInput = z.strictObject({
  subject: subjectSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: pageLimitSchema.optional(),
});
export type SearchTutorsInput = z.output<typeof searchTutorsInput>;

/** `tutors.get` data (`GET /api/tutors/:id`). */
export const getTutorInput = z.strictObject({ tutorId: uuidSchema });
export type GetTutorInput = z.output<typeof getTutorInput>;

/** `POST /api/bookings` body. The price is never taken from the client. */
export const createBookingBody = z.strictObject({
  tutorId: uuidSchema,
  subject: subjectSchema,
  startsAt: isoDateTime,
  /** 15–240 minutes in steps of 15. */
  durationMinutes: z.number().int().min(15).max(240).multipleOf(15),
  note: z.string().trim().max(1000).nullable().optional(),
});
/**
 * `bookings.create` data: the body plus the request's `Idempotency-Key` header when there is
 * one, so a retried request (e.g. after a timeout) returns the booking it already created
 * instead of colliding with it.
 */
export const createBookingInput = createBookingBody.extend({
  idempotencyKey: z.string().min(1).max(200).optional(),
});
export type CreateBookingInput = z.output<typeof createBookingInput>;

/** `GET /api/bookings?status=&cursor=&limit=` query = `bookings.list` data. Newest lesson first. */
export const listBookingsInput = z.strictObject({
  status: bookingStatusSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: pageLimitSchema.optional(),
});
export type ListBookingsInput = z.output<typeof listBookingsInput>;

/** `bookings.get` and `bookings.accept` data. */
export const bookingIdInput = z.strictObject({ bookingId: uuidSchema });
export type BookingIdInput = z.output<typeof bookingIdInput>;
export const getBookingInput = bookingIdInput;
export const acceptBookingInput = bookingIdInput;

/** Optional body of `/decline` and `/cancel`. */
export const reasonBody = z.strictObject({ reason: z.string().trim().max(1000).nullable().optional() });
export const declineBookingInput = reasonBody.extend({ bookingId: uuidSchema });
export type DeclineBookingInput = z.output<typeof declineBookingInput>;
export const cancelBookingInput = reasonBody.extend({ bookingId: uuidSchema });
export type CancelBookingInput = z.output<typeof cancelBookingInput>;

/** `POST /api/bookings/:id/reschedule` body: the new start; the duration stays. */
export const rescheduleBody = z.strictObject({ startsAt: isoDateTime });
export const rescheduleProposeInput = rescheduleBody.extend({ bookingId: uuidSchema });
/** `POST /api/bookings/:id/reschedule/accept` · `/decline`: no body. */
export const rescheduleAnswerInput = z.strictObject({ bookingId: uuidSchema });

export const RESCHEDULE_STATUSES = ['proposed', 'accepted', 'declined', 'expired', 'superseded', 'withdrawn'] as const;
export const rescheduleProposalSchema = z.object({
  id: uuidSchema,
  bookingId: uuidSchema,
  proposedBy: uuidSchema,
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  /** `superseded`: a newer proposal replaced it; `withdrawn`: the booking stopped being reschedulable. */
  status: z.enum(RESCHEDULE_STATUSES),
  expiresAt: isoDateTime,
  createdAt: isoDateTime,
  decidedAt: isoDateTime.nullable(),
});
export type RescheduleProposal = z.infer<typeof rescheduleProposalSchema>;
/** Accept answers the moved booking with the proposal; decline the proposal and the booking as it stays. */
export const rescheduleResultSchema = z.object({ proposal: rescheduleProposalSchema, booking: z.lazy(() => bookingSchema) });
export type RescheduleResult = { proposal: RescheduleProposal; booking: Booking };

/** `POST /api/bookings/:id/review` body. The comment limit counts code points after trimming. */
export const reviewBody = z.strictObject({
  rating: z.number().int().min(1).max(5),
  comment: z
    .string()
    .max(MAX_REVIEW_COMMENT_CHARS * 2)
    .refine((c) => [...c.trim()].length <= MAX_REVIEW_COMMENT_CHARS, `must be at most ${MAX_REVIEW_COMMENT_CHARS} characters`)
    .nullable()
    .optional(),
});
export const reviewBookingInput = reviewBody.extend({ bookingId: uuidSchema });
export type ReviewBookingInput = z.output<typeof reviewBookingInput>;

/** `POST /api/bookings/:id/dispute` body. */
export const disputeBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
export const openDisputeInput = disputeBody.extend({ bookingId: uuidSchema });
export type OpenDisputeInput = z.output<typeof openDisputeInput>;

/**
 * `open` until an admin resolves it (`resolved`), or until payments reports that the money had
 * already left escrow when the dispute reached it (`closed`, with `closedReason`).
 */
export const DISPUTE_STATUSES = ['open', 'resolved', 'closed'] as const;
export const disputeStatusSchema = z.enum(DISPUTE_STATUSES);

/** `GET /api/admin/disputes?status=&cursor=&limit=` query. Newest first. */
export const listDisputesInput = z.strictObject({
  status: disputeStatusSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: pageLimitSchema.optional(),
});
export type ListDisputesInput = z.output<typeof listDisputesInput>;

/**
 * `POST /api/admin/disputes/:id/resolve` body. `refundBasisPoints` (the student's share, 1–9999)
 * only with `split`; `release` means 0 and `refund` 10000.
 */
export const resolveDisputeBody = z.strictObject({
  outcome: disputeOutcomeSchema,
  refundBasisPoints: z.number().int().min(0).max(10000).optional(),
  note: z.string().trim().max(2000).nullable().optional(),
});
export const resolveDisputeInput = resolveDisputeBody.extend({ disputeId: uuidSchema });
export type ResolveDisputeInput = z.output<typeof resolveDisputeInput>;

// ---------------------------------------------------------------------------------------------
// Availability, time off, slots (docs/design.md §3)
// ---------------------------------------------------------------------------------------------

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const weekdaySchema = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof weekdaySchema>;

/** A wall-clock time on the 15-minute grid, `HH:MM`; `24:00` ends a range at midnight. */
export const clockTimeSchema = z
  .string()
  .regex(/^(?:(?:[01]\d|2[0-3]):(?:00|15|30|45)|24:00)$/, 'must be HH:MM on a 15-minute grid (minutes 00, 15, 30 or 45); 24:00 may end a range');

/** One weekly range, read on the tutor's wall clock: `from` before `to`. */
export const weeklyRangeSchema = z
  .strictObject({ day: weekdaySchema, from: clockTimeSchema, to: clockTimeSchema })
  // HH:MM strings order like the times they name.
  .refine((r) => r.from < r.to, { message: 'from must be before to', path: ['to'] });
export type WeeklyRangeDto = z.output<typeof weeklyRangeSchema>;

/**
 * `PUT /api/tutors/me/availability` body = `tutors.availability.set_me` data. Replaces the whole
 * week. Ranges of one day must not overlap (400 `availability.overlapping_ranges`, naming them);
 * touching ranges join. An empty `weekly` means: no bookable hours at all (not "any time").
 */
export const setAvailabilityInput = z.strictObject({
  timezone: timeZoneSchema,
  weekly: z.array(weeklyRangeSchema).max(100),
});
export type SetAvailabilityInput = z.output<typeof setAvailabilityInput>;

/** `tutors.availability.get` data (`GET /api/tutors/:id/availability`). */
export const getAvailabilityInput = z.strictObject({ tutorId: uuidSchema });

export const availabilitySchema = z.object({
  tutorId: uuidSchema,
  /**
   * false: the tutor never set weekly hours, and is bookable at any time (outside time off and
   * their other lessons); `timezone` is null and `weekly` empty. true with an empty `weekly`: the
   * tutor takes no bookings.
   */
  configured: z.boolean(),
  timezone: z.string().nullable(),
  /** Sorted mon…sun, then by start. */
  weekly: z.array(z.object({ day: weekdaySchema, from: z.string(), to: z.string() })),
  updatedAt: isoDateTime.nullable(),
});
export type Availability = z.infer<typeof availabilitySchema>;

/** `POST /api/tutors/me/time-off` body = `tutors.time_off.create` data. */
export const createTimeOffInput = z.strictObject({
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  reason: z.string().trim().max(500).nullable().optional(),
});
export type CreateTimeOffInput = z.output<typeof createTimeOffInput>;

/** `GET /api/tutors/me/time-off?cursor=&limit=` = `tutors.time_off.list_me` data. */
export const listTimeOffInput = z.strictObject({ cursor: cursorSchema.optional(), limit: pageLimitSchema.optional() });
export type ListTimeOffInput = z.output<typeof listTimeOffInput>;

/** `tutors.time_off.delete` data (`DELETE /api/tutors/me/time-off/:id`). */
export const deleteTimeOffInput = z.strictObject({ timeOffId: uuidSchema });

export const timeOffSchema = z.object({
  id: uuidSchema,
  tutorId: uuidSchema,
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  reason: z.string().nullable(),
  createdAt: isoDateTime,
});
export type TimeOff = z.infer<typeof timeOffSchema>;

/** A live booking that overlaps new time off: it is not cancelled by itself; the tutor decides. */
export const conflictingBookingSchema = z.object({
  id: uuidSchema,
  status: bookingStatusSchema,
  studentId: uuidSchema,
  subject: z.string(),
  startsAt: isoDateTime,
  endsAt: isoDateTime,
});
export const createdTimeOffSchema = timeOffSchema.extend({
  /** Live bookings (requested, accepted, confirmed, in progress) inside the new time off, soonest first. */
  conflictingBookings: z.array(conflictingBookingSchema),
});
export type CreatedTimeOff = z.infer<typeof createdTimeOffSchema>;

export const SLOTS_MAX_RANGE_DAYS = 31;
const slotsQueryShape = {
  /** Slots starting at or after this instant (rounded up to the quarter hour)… */
  from: isoDateTime,
  /** …and before this one; at most 31 days after `from`. A lesson may end after `to`. */
  to: isoDateTime,
  /** 15–240 in steps of 15, as for a booking. */
  durationMinutes: z.coerce.number().int().min(15).max(240).multipleOf(15),
};
function checkSlotsRange(q: { from: string; to: string }, ctx: z.RefinementCtx): void {
  const span = Date.parse(q.to) - Date.parse(q.from);
  if (!(span > 0)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (span > SLOTS_MAX_RANGE_DAYS * 24 * 3600_000) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${SLOTS_MAX_RANGE_DAYS} days after from` });
  }
}
/** `GET /api/tutors/:id/slots?from=&to=&durationMinutes=` query. */
export const slotsQuery = z.strictObject(slotsQueryShape).superRefine(checkSlotsRange);
/** `tutors.slots` data. */
export const slotsInput = z.strictObject({ tutorId: uuidSchema, ...slotsQueryShape }).superRefine(checkSlotsRange);
export type SlotsInput = z.output<typeof slotsInput>;

export const slotsSchema = z.object({
  tutorId: uuidSchema,
  /** The zone of the weekly hours (the profile's zone when the tutor never set hours). */
  timezone: z.string(),
  /** false: no weekly hours were ever set, every time outside time off and lessons is open. */
  configured: z.boolean(),
  durationMinutes: z.number().int(),
  /** UTC, on the 15-minute grid, soonest first; every listed start is bookable now. */
  slots: z.array(z.object({ startsAt: isoDateTime, endsAt: isoDateTime })),
});
export type Slots = z.infer<typeof slotsSchema>;

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/**
 * What bookings knows of the booking's money, from payments' escrow events:
 * `unpaid` (nothing held yet), `held`, `release_scheduled`, `frozen` (a dispute is open),
 * `released` (all to the tutor), `refunded` (all to the student), `partially_refunded` (split).
 */
export const MONEY_STATUSES = ['unpaid', 'held', 'release_scheduled', 'frozen', 'released', 'refunded', 'partially_refunded'] as const;
export const moneyStatusSchema = z.enum(MONEY_STATUSES);
export type MoneyStatus = z.infer<typeof moneyStatusSchema>;

export const tutorProfileSchema = z.object({
  /** The tutor's user id. */
  id: uuidSchema,
  fullName: z.string().nullable(),
  headline: z.string(),
  bio: z.string(),
  subjects: z.array(z.string()),
  hourlyRate: moneySchema,
  timezone: z.string(),
  /** Average of the students' ratings, 2 decimals; null before the first review. */
  ratingAverage: z.number().nullable(),
  ratingCount: z.number().int(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type TutorProfile = z.infer<typeof tutorProfileSchema>;

export const cancellationSchema = z.object({
  cancelledBy: uuidSchema,
  cancelledByRole: roleSchema,
  reason: z.string().nullable(),
  /** Share of the payment refunded to the student (10000 = all). */
  refundBasisPoints: z.number().int().min(0).max(10000),
  cancelledAt: isoDateTime,
});

export const bookingSchema = z.object({
  id: uuidSchema,
  studentId: uuidSchema,
  tutorId: uuidSchema,
  studentName: z.string().nullable(),
  tutorName: z.string().nullable(),
  subject: z.string(),
  note: z.string().nullable(),
  status: bookingStatusSchema,
  price: moneySchema,
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  durationMinutes: z.number().int(),
  /** The tutor must accept by then (inclusive). */
  acceptDeadline: isoDateTime,
  /** The student must pay by then (inclusive): the start. */
  paymentDeadline: isoDateTime,
  moneyStatus: moneyStatusSchema,
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  acceptedAt: isoDateTime.nullable(),
  confirmedAt: isoDateTime.nullable(),
  sessionStartedAt: isoDateTime.nullable(),
  sessionEndedAt: isoDateTime.nullable(),
  declineReason: z.string().nullable(),
  expiryReason: z.enum(['not_accepted', 'not_paid']).nullable(),
  absentParty: absentPartySchema.nullable(),
  cancellation: cancellationSchema.nullable(),
  /** Who has reviewed the lesson so far. */
  reviewedBy: z.array(z.enum(['student', 'tutor'])),
  dispute: z.object({ id: uuidSchema, status: disputeStatusSchema, outcome: disputeOutcomeSchema.nullable() }).nullable(),
  /**
   * The session's start window (docs/design.md §4): a list screen can show the Start button without a
   * status call per booking. Sessions decides; these are the same configured minutes.
   */
  canStartFrom: isoDateTime,
  canStartUntil: isoDateTime,
  /** Bumped by every change. */
  version: z.number().int(),
});
export type Booking = z.infer<typeof bookingSchema>;

export const reviewSchema = z.object({
  id: uuidSchema,
  bookingId: uuidSchema,
  authorId: uuidSchema,
  authorRole: z.enum(['student', 'tutor']),
  revieweeId: uuidSchema,
  rating: z.number().int().min(1).max(5),
  comment: z.string().nullable(),
  createdAt: isoDateTime,
});
export type Review = z.infer<typeof reviewSchema>;

export const disputeSchema = z.object({
  id: uuidSchema,
  bookingId: uuidSchema,
  studentId: uuidSchema,
  tutorId: uuidSchema,
  reason: z.string(),
  status: disputeStatusSchema,
  outcome: disputeOutcomeSchema.nullable(),
  refundBasisPoints: z.number().int().min(0).max(10000).nullable(),
  resolutionNote: z.string().nullable(),
  resolvedBy: uuidSchema.nullable(),
  price: moneySchema,
  openedAt: isoDateTime,
  resolvedAt: isoDateTime.nullable(),
  /** When payments confirmed that the escrow is frozen; an admin may resolve only after that. */
  frozenAt: isoDateTime.nullable(),
  /** Why a `closed` dispute ended without a resolution: the money had already left escrow. */
  closedReason: z.enum(['already_released', 'already_refunded', 'no_escrow']).nullable(),
  closedAt: isoDateTime.nullable(),
});
export type Dispute = z.infer<typeof disputeSchema>;

/** A page of a cursor-paginated list; `nextCursor` is null on the last page. */
export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const tutorProfilePageSchema = pageSchema(tutorProfileSchema);
export const bookingPageSchema = pageSchema(bookingSchema);
export const disputePageSchema = pageSchema(disputeSchema);
export const timeOffPageSchema = pageSchema(timeOffSchema);

/** `bookings.review` answers the review and the booking; `bookings.dispute` the dispute and the booking. */
export const reviewResultSchema = z.object({ review: reviewSchema, booking: bookingSchema });
export type ReviewResult = z.infer<typeof reviewResultSchema>;
export const disputeResultSchema = z.object({ dispute: disputeSchema, booking: bookingSchema });
export type DisputeResult = z.infer<typeof disputeResultSchema>;

// ---------------------------------------------------------------------------------------------
// Definitions: one per call (gateway `rpc.call(bookingsRpc.x, …)`, service `@OnRpc(bookingsRpc.x)`)
// ---------------------------------------------------------------------------------------------

export const timeOffDeletedSchema = z.object({ deleted: z.literal(true) });

const bookings = <N extends string, I extends z.ZodTypeAny, O extends z.ZodTypeAny, const R extends RpcRoles>(
  name: N,
  input: I,
  output: O,
  roles: R,
  description: string,
) => defineRpc({ service: 'bookings', name, input, output, roles, description });

export const bookingsRpc = {
  tutorsUpsertMe: bookings(BOOKINGS_RPC.tutorsUpsertMe, upsertTutorProfileInput, tutorProfileSchema, ['tutor'], 'Create or replace the caller’s own tutor profile.'),
  tutorsSearch: bookings(BOOKINGS_RPC.tutorsSearch, searchTutorsInput, tutorProfilePageSchema, 'any', 'Tutor profiles, optionally teaching a subject, cursor-paginated.'),
  tutorsGet: bookings(BOOKINGS_RPC.tutorsGet, getTutorInput, tutorProfileSchema, 'any', 'One tutor profile.'),
  create: bookings(BOOKINGS_RPC.create, createBookingInput, bookingSchema, ['student'], 'A student requests a lesson.'),
  list: bookings(BOOKINGS_RPC.list, listBookingsInput, bookingPageSchema, 'any', 'The caller’s bookings (an admin: all), latest lesson first.'),
  get: bookings(BOOKINGS_RPC.get, getBookingInput, bookingSchema, 'any', 'One booking, to its participants and admins (404 to anyone else).'),
  accept: bookings(BOOKINGS_RPC.accept, acceptBookingInput, bookingSchema, ['tutor'], 'The booking’s tutor accepts the request.'),
  decline: bookings(BOOKINGS_RPC.decline, declineBookingInput, bookingSchema, ['tutor'], 'The booking’s tutor declines the request.'),
  cancel: bookings(BOOKINGS_RPC.cancel, cancelBookingInput, bookingSchema, ['student', 'tutor', 'admin'], 'Either participant, or an admin, cancels a booking that has not started.'),
  review: bookings(BOOKINGS_RPC.review, reviewBookingInput, reviewResultSchema, ['student', 'tutor'], 'Either participant reviews a completed lesson.'),
  dispute: bookings(BOOKINGS_RPC.dispute, openDisputeInput, disputeResultSchema, ['student'], 'The booking’s student disputes the lesson, from session end until the escrow is released.'),
  disputesList: bookings(BOOKINGS_RPC.disputesList, listDisputesInput, disputePageSchema, ['admin'], 'Disputes, newest first.'),
  disputesResolve: bookings(BOOKINGS_RPC.disputesResolve, resolveDisputeInput, disputeResultSchema, ['admin'], 'An admin resolves a dispute (release, refund or split).'),
  reschedulePropose: bookings(BOOKINGS_RPC.reschedulePropose, rescheduleProposeInput, rescheduleResultSchema, ['student', 'tutor'], 'Either participant proposes a new time (replaces an open proposal).'),
  rescheduleAccept: bookings(BOOKINGS_RPC.rescheduleAccept, rescheduleAnswerInput, rescheduleResultSchema, ['student', 'tutor'], 'The other participant accepts the open proposal; the booking moves.'),
  rescheduleDecline: bookings(BOOKINGS_RPC.rescheduleDecline, rescheduleAnswerInput, rescheduleResultSchema, ['student', 'tutor'], 'The other participant declines the open proposal.'),
  availabilitySetMe: bookings(BOOKINGS_RPC.availabilitySetMe, setAvailabilityInput, availabilitySchema, ['tutor'], 'A tutor replaces their weekly hours and time zone.'),
  availabilityGet: bookings(BOOKINGS_RPC.availabilityGet, getAvailabilityInput, availabilitySchema, 'any', 'A tutor’s weekly hours.'),
  timeOffCreate: bookings(BOOKINGS_RPC.timeOffCreate, createTimeOffInput, createdTimeOffSchema, ['tutor'], 'A tutor adds time off; answers the live bookings it overlaps.'),
  timeOffList: bookings(BOOKINGS_RPC.timeOffList, listTimeOffInput, timeOffPageSchema, ['tutor'], 'The caller’s time off that has not ended yet, soonest first.'),
  timeOffDelete: bookings(BOOKINGS_RPC.timeOffDelete, deleteTimeOffInput, timeOffDeletedSchema, ['tutor'], 'A tutor removes one of their time off entries.'),
  slots: bookings(BOOKINGS_RPC.slots, slotsInput, slotsSchema, 'any', 'Bookable starts of a tutor in a range of at most 31 days.'),
} as const;
