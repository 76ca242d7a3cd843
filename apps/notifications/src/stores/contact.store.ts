import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventDataOf } from '@tutorhub/contracts';
import type { Names } from '../domain/notification-texts';

/** The read model of `identity.user.registered.v1`: names for messages, addresses for email. */
@Injectable()
export class ContactStore {
  async upsert(em: EntityManager, d: EventDataOf<'identity.user.registered.v1'>): Promise<void> {
    await em.query(
      `INSERT INTO notifications.user_contacts (user_id, email, full_name, role, updated_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, full_name = EXCLUDED.full_name,
         role = EXCLUDED.role, updated_at = now()`,
      [d.userId, d.email, d.fullName, d.role],
    );
  }

  async names(em: EntityManager, userIds: string[]): Promise<Names> {
    const ids = [...new Set(userIds)];
    const rows: Array<{ user_id: string; full_name: string }> = ids.length
      ? await em.query(`SELECT user_id, full_name FROM notifications.user_contacts WHERE user_id = ANY($1::uuid[])`, [ids])
      : [];
    const map = new Map(rows.map((r) => [r.user_id, r.full_name]));
    return (userId) => map.get(userId);
  }

  /** Which of these users have a contact (an email address). */
  async known(em: EntityManager, userIds: string[]): Promise<Set<string>> {
    const rows: Array<{ user_id: string }> = await em.query(
      `SELECT user_id FROM notifications.user_contacts WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    return new Set(rows.map((r) => r.user_id));
  }

  async emailOf(em: EntityManager, userId: string): Promise<{ email: string; full_name: string } | undefined> {
    const [contact]: Array<{ email: string; full_name: string }> = await em.query(
      `SELECT email, full_name FROM notifications.user_contacts WHERE user_id = $1`,
      [userId],
    );
    return contact;
  }
}
