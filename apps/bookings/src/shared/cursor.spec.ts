import { randomUUID } from 'node:crypto';
import { decodeCursor, encodeCursor, toPage } from './cursor';

describe('cursors', () => {
  it('round-trips the sort key and id', () => {
    const key = { at: new Date('2030-01-07T08:00:00.123Z'), id: randomUUID() };
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
    expect(decodeCursor(undefined)).toBeNull();
  });

  it.each(['garbage', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["yesterday","x"]').toString('base64url')])(
    'refuses %p with 400 pagination.invalid_cursor',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ status: 400, code: 'pagination.invalid_cursor' }));
    },
  );

  it('gives a next cursor only when there is a further row', () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: new Date(n * 1000), id: randomUUID() }));
    const full = toPage(rows, 2, (r) => ({ at: r.at, id: r.id }), (r) => r.n);
    expect(full.items).toEqual([1, 2]);
    expect(decodeCursor(full.nextCursor!)).toEqual({ at: rows[1]!.at, id: rows[1]!.id });
    expect(toPage(rows.slice(0, 2), 2, (r) => ({ at: r.at, id: r.id }), (r) => r.n).nextCursor).toBeNull();
  });
});
