/** Postgres bigint arrives as a string; money is kept in safe integers (libs/platform money). */
export { toSafeInt } from '@tutorhub/platform';

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);
