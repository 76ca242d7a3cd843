import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor, EventDataOf, Role } from '@tutorhub/contracts';

/**
 * The local `users` read model: role and name of every user, from `identity.user.registered.v1`
 * (consumed in `user-registered.events.ts`). Profiles and bookings reference it, so only users we
 * know of appear in them, and booking views show the participants' names.
 *
 * A user may act before their registration event has reached us (register, then at once create
 * a profile or book). The gateway has authenticated the actor, so `ensure` records the actor with
 * the role the gateway vouched for and no name; the event fills the name in when it arrives.
 */
@Injectable()
export class UserDirectory {
  /** Records the actor if unknown and returns the role on record. */
  async ensure(em: EntityManager, actor: Actor): Promise<Role> {
    await em.query(`INSERT INTO bookings.users (id, role) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [actor.userId, actor.role]);
    const rows: Array<{ role: Role }> = await em.query(`SELECT role FROM bookings.users WHERE id = $1`, [actor.userId]);
    const role = rows[0]?.role;
    if (!role) throw new Error(`user ${actor.userId} missing right after its insert`);
    return role;
  }

  /** Idempotent: a redelivery (or an event after `ensure`) writes the same values again. */
  async upsertRegistered(em: EntityManager, data: EventDataOf<'identity.user.registered.v1'>, registeredAt: string): Promise<void> {
    await em.query(
      `INSERT INTO bookings.users (id, role, full_name, registered_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, full_name = EXCLUDED.full_name,
         registered_at = EXCLUDED.registered_at, updated_at = now()`,
      [data.userId, data.role, data.fullName, registeredAt],
    );
  }
}
