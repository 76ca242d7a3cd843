import { Injectable } from '@nestjs/common';
import type { EventDataOf } from '@tutorhub/contracts';
import { OnEvent, type EventContext } from '@tutorhub/messaging';
import { SettleAfterLesson } from './settle-after-lesson';

/**
 * What happened at the lesson: `session.ended` and bookings' `no_show`. The consumer has parsed
 * the event and opened the transaction (with the inbox insert); `settle-after-lesson.ts` decides.
 */
@Injectable()
export class SettleAfterLessonEvents {
  constructor(private readonly settleAfterLesson: SettleAfterLesson) {}

  @OnEvent('bookings.booking.no_show.v1')
  async onNoShow(d: EventDataOf<'bookings.booking.no_show.v1'>, { em }: EventContext) {
    await this.settleAfterLesson.noShow(em, d);
  }

  @OnEvent('sessions.session.ended.v1')
  async onSessionEnded(d: EventDataOf<'sessions.session.ended.v1'>, { em }: EventContext) {
    await this.settleAfterLesson.sessionEnded(em, d);
  }
}
