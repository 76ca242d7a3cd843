import { channelsFor, nextRetryDelaySeconds } from './delivery-policy';

describe('nextRetryDelaySeconds', () => {
  const policy = { maxAttempts: 6, baseSeconds: 30, maxSeconds: 600 };
  it('doubles from the base after each failed attempt, capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextRetryDelaySeconds(n, policy))).toEqual([30, 60, 120, 240, 480]);
    expect(nextRetryDelaySeconds(5, { ...policy, maxSeconds: 300 })).toBe(300);
  });
  it('gives up after the maximum number of attempts', () => {
    expect(nextRetryDelaySeconds(6, policy)).toBeNull();
    expect(nextRetryDelaySeconds(7, policy)).toBeNull();
    expect(nextRetryDelaySeconds(1, { ...policy, maxAttempts: 1 })).toBeNull();
  });
  it('stays finite for absurd attempt counts', () => {
    expect(nextRetryDelaySeconds(5000, { maxAttempts: 10_000, baseSeconds: 1, maxSeconds: 86400 })).toBe(86400);
  });
});

describe('channelsFor', () => {
  it('always includes the inbox, and emails everything but live-session chatter', () => {
    expect(channelsFor('booking.requested', {})).toEqual(['in_app', 'email', 'push']);
    expect(channelsFor('escrow.released', {})).toEqual(['in_app', 'email', 'push']);
    expect(channelsFor('booking.reminder', { reminder: '24h' })).toEqual(['in_app', 'email', 'push']);
    expect(channelsFor('booking.reminder', { reminder: '15m' })).toEqual(['in_app', 'push']);
    expect(channelsFor('session.started', {})).toEqual(['in_app', 'push']);
    expect(channelsFor('session.participant_joined', {})).toEqual(['in_app', 'push']);
  });
});
