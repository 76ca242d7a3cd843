/**
 * When an escrow becomes due: `from` (the session's end) plus ESCROW_RELEASE_DELAY_HOURS, which
 * is decimal (0.5 = 30 minutes, 0.01 = 36 seconds for demos), rounded to the millisecond.
 */
export function releaseAtAfter(from: Date, delayHours: number): Date {
  if (!Number.isFinite(delayHours) || delayHours < 0) throw new RangeError(`delayHours must be a non-negative number, got ${delayHours}`);
  return new Date(from.getTime() + Math.round(delayHours * 3_600_000));
}
