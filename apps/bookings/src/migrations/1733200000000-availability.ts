import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tutor availability (issue 16, docs/design.md §3): weekly hours in the tutor's IANA zone and time off.
 *
 * - `tutor_availability`: one row per tutor who has set hours (its existence is the difference
 *   between "never set: bookable at any time" and "set, with no ranges: not bookable").
 * - `availability_ranges`: the week's ranges as minutes from local midnight (ISO weekday, 1 =
 *   Monday). The database holds the invariants too: 15-minute grid, `from` < `to` ≤ 1440, and no
 *   two ranges of one day overlapping (exclusion constraint; touching is allowed).
 * - `time_off`: instants, `ends_at > starts_at`; a GiST index serves "time off of this tutor
 *   overlapping that range" for slots and booking checks.
 */
export class Availability1733200000000 implements MigrationInterface {
  name = 'Availability1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bookings.tutor_availability (
        tutor_id uuid PRIMARY KEY REFERENCES bookings.tutor_profiles (id) ON DELETE CASCADE,
        timezone text NOT NULL CHECK (char_length(timezone) BETWEEN 1 AND 64),
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE bookings.availability_ranges (
        tutor_id uuid NOT NULL REFERENCES bookings.tutor_availability (tutor_id) ON DELETE CASCADE,
        weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
        from_minute smallint NOT NULL CHECK (from_minute >= 0 AND from_minute % 15 = 0),
        to_minute smallint NOT NULL CHECK (to_minute <= 1440 AND to_minute % 15 = 0),
        CONSTRAINT availability_ranges_order CHECK (from_minute < to_minute),
        PRIMARY KEY (tutor_id, weekday, from_minute),
        CONSTRAINT availability_ranges_no_overlap EXCLUDE USING gist (
          tutor_id WITH =, weekday WITH =, int4range(from_minute, to_minute, '[)') WITH &&
        )
      )`);
    await q.query(`
      CREATE TABLE bookings.time_off (
        id uuid PRIMARY KEY,
        tutor_id uuid NOT NULL REFERENCES bookings.tutor_profiles (id) ON DELETE CASCADE,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        reason text CHECK (char_length(reason) <= 500),
        created_at timestamptz NOT NULL,
        CONSTRAINT time_off_order CHECK (ends_at > starts_at)
      )`);
    await q.query(`CREATE INDEX time_off_tutor_range ON bookings.time_off USING gist (tutor_id, tstzrange(starts_at, ends_at, '[)'))`);
    await q.query(`CREATE INDEX time_off_tutor_list ON bookings.time_off (tutor_id, starts_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bookings.time_off`);
    await q.query(`DROP TABLE bookings.availability_ranges`);
    await q.query(`DROP TABLE bookings.tutor_availability`);
  }
}
