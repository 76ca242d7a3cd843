import { z } from 'zod';
import { AppError } from '@tutorhub/platform';

/**
 * Keyset pagination. A cursor is the sort key of the last item of the previous page
 * (an instant in ms precision plus the id as tiebreaker), base64url-encoded JSON so that clients
 * treat it as opaque. Every sort key we paginate on is written from JS Dates, so ms precision
 * compares exactly with the stored value.
 */
const keySchema = z.tuple([z.iso.datetime(), z.uuid()]);

export interface CursorKey {
  at: Date;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.at.toISOString(), key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorKey | null {
  if (cursor === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const key = keySchema.safeParse(parsed);
  if (!key.success) throw new AppError(400, 'pagination.invalid_cursor', 'The cursor is not one this list handed out.');
  return { at: new Date(key.data[0]), id: key.data[1] };
}

export const DEFAULT_PAGE_SIZE = 20;

/** Fetch one more row than the page size: its presence says whether there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, key: (row: R) => CursorKey, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(map), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null };
}
