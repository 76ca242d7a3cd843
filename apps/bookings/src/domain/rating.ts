/**
 * A tutor's public rating from the running sum and count of the students' ratings: the mean
 * rounded half-up to 2 decimals (4.666… → 4.67), null before the first review. Computed from
 * integers, so the same sum and count always show the same number.
 */
export function ratingAverage(sum: number, count: number): number | null {
  if (!Number.isSafeInteger(sum) || !Number.isSafeInteger(count) || sum < 0 || count < 0) {
    throw new RangeError(`invalid rating totals: sum ${sum}, count ${count}`);
  }
  if (count === 0) return null;
  return Math.floor((sum * 200 + count) / (2 * count)) / 100;
}
