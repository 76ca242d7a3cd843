import { releaseAtAfter } from './release-time';

describe('releaseAtAfter', () => {
  const end = new Date('2030-01-10T10:00:00.000Z');

  it('adds whole and decimal hours', () => {
    expect(releaseAtAfter(end, 24).toISOString()).toBe('2030-01-11T10:00:00.000Z');
    expect(releaseAtAfter(end, 0.5).toISOString()).toBe('2030-01-10T10:30:00.000Z');
    expect(releaseAtAfter(end, 0.01).toISOString()).toBe('2030-01-10T10:00:36.000Z');
    expect(releaseAtAfter(end, 0).toISOString()).toBe(end.toISOString());
  });

  it('rounds to the millisecond instead of drifting with floating point', () => {
    expect(releaseAtAfter(end, 1 / 3).getTime() - end.getTime()).toBe(1_200_000);
    expect(releaseAtAfter(end, 0.1 + 0.2).getTime() - end.getTime()).toBe(1_080_000);
  });

  it('refuses a negative or non-finite delay', () => {
    expect(() => releaseAtAfter(end, -1)).toThrow(RangeError);
    expect(() => releaseAtAfter(end, Number.NaN)).toThrow(RangeError);
  });
});
