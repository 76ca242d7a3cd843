import { AppError } from '@tutorhub/platform';

/*
 * Inbox cursors are opaque to clients: base64url of `n1:<seq>`, the position of the last item
 * of the previous page in the inbox's insertion order. Stable under concurrent inserts (new
 * notifications land before the first page, never inside a later one).
 */
const PREFIX = 'n1:';

export function encodeCursor(seq: string): string {
  return Buffer.from(`${PREFIX}${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!/^[1-9]\d{0,18}$/.test(seq)) {
    throw new AppError(400, 'notifications.invalid_cursor', 'The cursor is not one this API handed out.');
  }
  return seq;
}
