import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Role } from '@tutorhub/contracts';
import { PG, pgCode } from '@tutorhub/persistence';

/** All SQL on `identity.users`. `em` may be a transaction's manager or `dataSource.manager`. */

export interface UserRow {
  id: string;
  email: string;
  full_name: string;
  role: Role;
  password_hash: string;
  created_at: Date;
}

export async function findUserByEmail(em: EntityManager, email: string): Promise<UserRow | undefined> {
  const [user] = (await em.query(`SELECT * FROM identity.users WHERE email = $1`, [email])) as UserRow[];
  return user;
}

export async function findUserById(em: EntityManager, id: string): Promise<UserRow | undefined> {
  const [user] = (await em.query(`SELECT * FROM identity.users WHERE id = $1`, [id])) as UserRow[];
  return user;
}

export async function roleOfEmail(em: EntityManager, email: string): Promise<Role | undefined> {
  const [existing] = (await em.query(`SELECT role FROM identity.users WHERE email = $1`, [email])) as Array<{ role: Role }>;
  return existing?.role;
}

/** The id of the admin account with this email, if there is one. */
export async function adminIdByEmail(em: EntityManager, email: string): Promise<string | undefined> {
  const [row] = (await em.query(`SELECT id FROM identity.users WHERE email = $1 AND role = 'admin'`, [email])) as Array<{ id: string }>;
  return row?.id;
}

export async function updatePasswordHash(em: EntityManager, userId: string, passwordHash: string, now: Date): Promise<void> {
  await em.query(`UPDATE identity.users SET password_hash = $2, updated_at = $3 WHERE id = $1`, [userId, passwordHash, now]);
}

/** The new user, or undefined when the email is taken (however the conflict shows). */
export async function insertUser(
  em: EntityManager,
  u: { email: string; fullName: string; role: Role; passwordHash: string },
  now: Date,
): Promise<UserRow | undefined> {
  let rows: UserRow[];
  try {
    rows = (await em.query(
      `INSERT INTO identity.users (id, email, full_name, role, password_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (email) DO NOTHING RETURNING *`,
      [randomUUID(), u.email, u.fullName, u.role, u.passwordHash, now],
    )) as UserRow[];
  } catch (err) {
    if (pgCode(err) === PG.uniqueViolation) return undefined;
    throw err;
  }
  return rows[0];
}
