import { decodeCursor, encodeCursor } from './cursor';

describe('inbox cursor', () => {
  it('round-trips a position', () => {
    expect(decodeCursor(encodeCursor('42'))).toBe('42');
    expect(decodeCursor(encodeCursor('9223372036854775807'))).toBe('9223372036854775807');
  });
  it.each(['', 'garbage', Buffer.from('n1:').toString('base64url'), Buffer.from('n1:0').toString('base64url'), Buffer.from('n1:1;drop').toString('base64url'), Buffer.from('42').toString('base64url')])(
    'refuses %p with a 400',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ status: 400, code: 'notifications.invalid_cursor' }));
    },
  );
});
