import { assertAcceptDeadline } from './accept-rules';

describe('accept deadline', () => {
  const acceptDeadline = new Date('2030-01-01T10:00:00.000Z');
  const at = (ms: number) => new Date(acceptDeadline.getTime() + ms);

  it('allows accepting up to and including the stored deadline', () => {
    expect(() => assertAcceptDeadline({ status: 'requested', acceptDeadline }, at(-60_000))).not.toThrow();
    expect(() => assertAcceptDeadline({ status: 'requested', acceptDeadline }, at(0))).not.toThrow();
  });

  it('refuses a requested booking one millisecond after it (409 booking.accept_deadline_passed, with the deadline)', () => {
    expect(() => assertAcceptDeadline({ status: 'requested', acceptDeadline }, at(1))).toThrow(
      expect.objectContaining({
        status: 409,
        code: 'booking.accept_deadline_passed',
        message: 'The request can no longer be accepted.',
        details: { acceptDeadline: '2030-01-01T10:00:00.000Z' },
      }),
    );
  });

  it('leaves other statuses to the state machine', () => {
    expect(() => assertAcceptDeadline({ status: 'accepted', acceptDeadline }, at(3_600_000))).not.toThrow();
    expect(() => assertAcceptDeadline({ status: 'expired', acceptDeadline }, at(3_600_000))).not.toThrow();
  });
});
