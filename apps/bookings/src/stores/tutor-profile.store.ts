import type { EntityManager } from 'typeorm';
import type { Currency, TutorProfile, UpsertTutorProfileInput } from '@tutorhub/contracts';
import { ratingAverage } from '../domain/rating';
import type { CursorKey } from '../shared/cursor';
import { iso, toSafeInt } from '../shared/sql';

export interface TutorProfileRow {
  id: string;
  full_name: string | null;
  headline: string;
  bio: string;
  subjects: string[];
  hourly_rate_minor: string;
  currency: Currency;
  timezone: string;
  rating_sum: string;
  rating_count: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `
  SELECT p.id, u.full_name, p.headline, p.bio, p.subjects, p.hourly_rate_minor, p.currency, p.timezone,
         p.rating_sum, p.rating_count, p.created_at, p.updated_at
    FROM bookings.tutor_profiles p
    JOIN bookings.users u ON u.id = p.id`;

export function toTutorProfile(r: TutorProfileRow): TutorProfile {
  const ratingSum = toSafeInt(r.rating_sum, 'rating_sum');
  return {
    id: r.id,
    fullName: r.full_name,
    headline: r.headline,
    bio: r.bio,
    subjects: r.subjects,
    hourlyRate: { amountMinor: toSafeInt(r.hourly_rate_minor, 'hourly_rate_minor'), currency: r.currency },
    timezone: r.timezone,
    ratingAverage: ratingAverage(ratingSum, r.rating_count),
    ratingCount: r.rating_count,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export const TutorProfileStore = {
  async find(em: EntityManager, id: string): Promise<TutorProfileRow | null> {
    const rows: TutorProfileRow[] = await em.query(`${SELECT} WHERE p.id = $1`, [id]);
    return rows[0] ?? null;
  },

  async upsert(em: EntityManager, tutorId: string, input: UpsertTutorProfileInput, now: Date): Promise<void> {
    await em.query(
      `INSERT INTO bookings.tutor_profiles (id, headline, bio, subjects, hourly_rate_minor, currency, timezone, created_at, updated_at)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $8)
       ON CONFLICT (id) DO UPDATE SET
         headline = EXCLUDED.headline, bio = EXCLUDED.bio, subjects = EXCLUDED.subjects,
         hourly_rate_minor = EXCLUDED.hourly_rate_minor, currency = EXCLUDED.currency,
         timezone = EXCLUDED.timezone, updated_at = EXCLUDED.updated_at`,
      [tutorId, input.headline, input.bio, input.subjects, input.hourlyRate.amountMinor, input.hourlyRate.currency, input.timezone, now],
    );
  },

  /** A student's rating of the tutor, counted in the profile's running sum and count. */
  async addRating(em: EntityManager, tutorId: string, rating: number): Promise<void> {
    await em.query(`UPDATE bookings.tutor_profiles SET rating_sum = rating_sum + $2, rating_count = rating_count + 1 WHERE id = $1`, [tutorId, rating]);
  },

  /** Oldest profile first, id as tiebreaker: a stable order, so pages never skip or repeat a tutor. */
  async search(em: EntityManager, opts: { subject?: string; after: CursorKey | null; limit: number }): Promise<TutorProfileRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.subject !== undefined) {
      params.push(opts.subject);
      where.push(`p.subjects @> ARRAY[$${params.length}::text]`);
    }
    if (opts.after) {
      params.push(opts.after.at, opts.after.id);
      where.push(`(p.created_at, p.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(opts.limit + 1);
    return em.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.created_at, p.id LIMIT $${params.length}`,
      params,
    );
  },
};
