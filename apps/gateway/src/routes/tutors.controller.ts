import { Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  BOOKINGS_RPC,
  searchTutorsInput,
  tutorProfilePageSchema,
  tutorProfileSchema,
  upsertTutorProfileInput,
  uuidSchema,
  type Actor,
  type Page,
  type TutorProfile,
} from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiZodResponse, CurrentActor, Roles, ZodBody, ZodParam, ZodQuery, Forwards } from '../http';

/** Tutor profiles (DESIGN §6), served by the bookings service. A profile's `id` is the tutor's user id. */
@ApiTags('tutors')
@Controller('tutors')
export class TutorsController {
  constructor(private readonly rpc: RpcClient) {}

  @Put('me')
  @Forwards(BOOKINGS_RPC.tutorsUpsertMe)
  @Roles('tutor')
  @ApiOperation({
    summary: 'Create or replace the caller’s tutor profile',
    description:
      'Subjects are matched case-insensitively (stored trimmed and lower-case); the time zone must be an IANA name. ' +
      'The hourly rate prices bookings made from now on; existing bookings keep their price.',
  })
  @ApiZodResponse(tutorProfileSchema)
  upsertMe(@ZodBody(upsertTutorProfileInput) body: z.output<typeof upsertTutorProfileInput>, @CurrentActor() actor: Actor): Promise<TutorProfile> {
    return this.rpc.call<TutorProfile>('bookings', BOOKINGS_RPC.tutorsUpsertMe, body, { actor });
  }

  @Get()
  @Forwards(BOOKINGS_RPC.tutorsSearch)
  @ApiOperation({ summary: 'Tutor profiles, optionally only those teaching `subject`; cursor-paginated in a stable order' })
  @ApiZodResponse(tutorProfilePageSchema)
  search(@ZodQuery(searchTutorsInput) query: z.output<typeof searchTutorsInput>, @CurrentActor() actor: Actor): Promise<Page<TutorProfile>> {
    return this.rpc.call<Page<TutorProfile>>('bookings', BOOKINGS_RPC.tutorsSearch, query, { actor });
  }

  @Get(':id')
  @Forwards(BOOKINGS_RPC.tutorsGet)
  @ApiOperation({ summary: 'One tutor profile with its rating average and count (404 tutor.not_found)' })
  @ApiZodResponse(tutorProfileSchema)
  get(@ZodParam('id', uuidSchema) id: string, @CurrentActor() actor: Actor): Promise<TutorProfile> {
    return this.rpc.call<TutorProfile>('bookings', BOOKINGS_RPC.tutorsGet, { tutorId: id }, { actor });
  }
}
