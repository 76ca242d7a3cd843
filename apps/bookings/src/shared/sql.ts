/** Postgres bigint arrives as a string; money is kept in safe integers (see domain/money.ts). */
export function toSafeInt(value: string | number, field: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${field} is not a safe integer: ${String(value)}`);
  return n;
}

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);
