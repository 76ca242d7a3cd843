import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';
import { AvailabilityStore } from '../stores/availability.store';

const timeOffNotFound = () => new AppError(404, 'time_off.not_found', 'No such time off.');

/** A tutor removes one of their time off entries. Someone else's entry (or none) is a 404, as if it did not exist. */
@Injectable()
export class RemoveTimeOff {
  constructor(
    private readonly ds: DataSource,
    private readonly store: AvailabilityStore,
  ) {}

  async remove(tutor: Actor, timeOffId: string): Promise<{ deleted: true }> {
    const deleted = await this.ds.transaction(async (em) => {
      await this.store.lockTutor(em, tutor.userId);
      return this.store.deleteTimeOff(em, tutor.userId, timeOffId);
    });
    if (!deleted) throw timeOffNotFound();
    return { deleted: true };
  }
}
