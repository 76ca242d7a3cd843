import { Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import type { z } from 'zod';
import {
  bookingsRpc,
  availabilitySchema,
  createTimeOffInput,
  createdTimeOffSchema,
  listTimeOffInput,
  setAvailabilityInput,
  slotsQuery,
  slotsSchema,
  timeOffPageSchema,
  searchTutorsInput,
  tutorProfilePageSchema,
  tutorProfileSchema,
  upsertTutorProfileInput,
  uuidSchema,
  type Actor,
  type Availability,
  type CreatedTimeOff,
  type Page,
  type Slots,
  type TimeOff,
  type TutorProfile,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiOperation, ApiTags, ApiZodResponse, CurrentActor, Roles, ZodBody, ZodParam, ZodQuery, Forwards } from '../http';

/** Tutor profiles (docs/design.md §6), served by the bookings service. A profile's `id` is the tutor's user id. */
@ApiTags('tutors')
@Controller('tutors')
export class TutorsController {
  constructor(private readonly rpc: RpcClient) {}

  @Put('me')
  @Forwards(bookingsRpc.tutorsUpsertMe)
  @Roles('tutor')
  @ApiOperation({
    summary: 'Create or replace the caller’s tutor profile',
    description:
      'Subjects are matched case-insensitively (stored trimmed and lower-case); the time zone must be an IANA name. ' +
      'The hourly rate prices bookings made from now on; existing bookings keep their price.',
  })
  @ApiZodResponse(tutorProfileSchema)
  upsertMe(@ZodBody(upsertTutorProfileInput) body: z.output<typeof upsertTutorProfileInput>, @CurrentActor() actor: Actor): Promise<TutorProfile> {
    return this.rpc.call(bookingsRpc.tutorsUpsertMe, body, { actor });
  }

  @Get()
  @Forwards(bookingsRpc.tutorsSearch)
  @ApiOperation({ summary: 'Tutor profiles, optionally only those teaching `subject`; cursor-paginated in a stable order' })
  @ApiZodResponse(tutorProfilePageSchema)
  search(@ZodQuery(searchTutorsInput) query: z.output<typeof searchTutorsInput>, @CurrentActor() actor: Actor): Promise<Page<TutorProfile>> {
    return this.rpc.call(bookingsRpc.tutorsSearch, query, { actor });
  }

  @Get(':id')
  @Forwards(bookingsRpc.tutorsGet)
  @ApiOperation({ summary: 'One tutor profile with its rating average and count (404 tutor.not_found)' })
  @ApiZodResponse(tutorProfileSchema)
  get(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<TutorProfile> {
    return this.rpc.call(bookingsRpc.tutorsGet, { tutorId: id }, { actor });
  }

  // ---------------------------------------------------------------------------------------------
  // Availability, time off, slots (docs/design.md §3)
  // ---------------------------------------------------------------------------------------------

  @Put('me/availability')
  @Forwards(bookingsRpc.availabilitySetMe)
  @Roles('tutor')
  @ApiOperation({
    summary: 'Replace the caller’s weekly hours, read on their wall clock in an IANA time zone',
    description:
      'Ranges `{day: mon…sun, from: "HH:MM", to: "HH:MM"}` on a 15-minute grid, `from` before `to`, `to` may be "24:00"; ' +
      'ranges of one day must not overlap (400 availability.overlapping_ranges names them; touching ranges join, also across midnight). ' +
      'An empty `weekly` means no bookable hours at all. Hours follow the zone’s DST rules: a range in a skipped hour has no time ' +
      'that day, a repeated hour is open both times. Existing bookings stand. Needs a tutor profile first (409 tutor.profile_required). ' +
      'A tutor who never set hours is bookable at any time (outside time off and their lessons).',
  })
  @ApiZodResponse(availabilitySchema)
  setAvailability(@ZodBody(setAvailabilityInput) body: z.output<typeof setAvailabilityInput>, @CurrentActor() actor: Actor): Promise<Availability> {
    return this.rpc.call(bookingsRpc.availabilitySetMe, body, { actor });
  }

  @Post('me/time-off')
  @Forwards(bookingsRpc.timeOffCreate)
  @Roles('tutor')
  @ApiOperation({
    summary: 'Add time off (no lessons may be booked in it)',
    description:
      '`endsAt` after `startsAt`, not entirely in the past, at most 366 days long, starting at most 730 days ahead (400 time_off.*). ' +
      'Live bookings already inside it are not cancelled: they are listed in `conflictingBookings` for the tutor to handle.',
  })
  @ApiZodResponse(createdTimeOffSchema, { status: 201 })
  createTimeOff(@ZodBody(createTimeOffInput) body: z.output<typeof createTimeOffInput>, @CurrentActor() actor: Actor): Promise<CreatedTimeOff> {
    return this.rpc.call(bookingsRpc.timeOffCreate, body, { actor });
  }

  @Get('me/time-off')
  @Forwards(bookingsRpc.timeOffList)
  @Roles('tutor')
  @ApiOperation({ summary: 'The caller’s time off that has not ended yet, soonest first; cursor-paginated' })
  @ApiZodResponse(timeOffPageSchema)
  listTimeOff(@ZodQuery(listTimeOffInput) query: z.output<typeof listTimeOffInput>, @CurrentActor() actor: Actor): Promise<Page<TimeOff>> {
    return this.rpc.call(bookingsRpc.timeOffList, query, { actor });
  }

  @Delete('me/time-off/:id')
  @Forwards(bookingsRpc.timeOffDelete)
  @HttpCode(204)
  @Roles('tutor')
  @ApiOperation({ summary: 'Remove one of the caller’s time off entries (404 time_off.not_found, also for another tutor’s)' })
  async deleteTimeOff(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.rpc.call(bookingsRpc.timeOffDelete, { timeOffId: id }, { actor });
  }

  @Get(':id/availability')
  @Forwards(bookingsRpc.availabilityGet)
  @ApiOperation({
    summary: 'A tutor’s weekly hours and time zone',
    description:
      '`configured: false` (timezone null, weekly empty): the tutor never set hours and is bookable at any time outside time off ' +
      'and their lessons. `configured: true` with an empty `weekly`: the tutor takes no bookings. 404 tutor.not_found.',
  })
  @ApiZodResponse(availabilitySchema)
  getAvailability(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<Availability> {
    return this.rpc.call(bookingsRpc.availabilityGet, { tutorId: id }, { actor });
  }

  @Get(':id/slots')
  @Forwards(bookingsRpc.slots)
  @ApiOperation({
    summary: 'Bookable lesson starts of a tutor, in UTC on a 15-minute grid',
    description:
      'Starts in [from, to) (at most 31 days; a lesson may end after `to`) at which a lesson of `durationMinutes` fits inside the ' +
      'tutor’s weekly hours (DST-correct, in their zone; any time when they never set hours), outside their time off, outside ' +
      'their live bookings widened by BOOKING_BUFFER_MINUTES, and no sooner than a request may be made ' +
      '(max(BOOKING_MIN_NOTICE_MINUTES, BOOKING_ACCEPT_DEADLINE_MINUTES) ahead) nor later than 180 days ahead. ' +
      'Every listed start was bookable when answered; POST /api/bookings decides.',
  })
  @ApiZodResponse(slotsSchema)
  slots(@ZodParam('id', uuidSchema) id: string, @ZodQuery(slotsQuery) query: z.output<typeof slotsQuery>, @CurrentActor() actor: Actor): Promise<Slots> {
    return this.rpc.call(bookingsRpc.slots, { tutorId: id, ...query }, { actor });
  }
}
