import { z } from 'zod';

export const CURRENCIES = ['ETB', 'USD'] as const;
export const currencySchema = z.enum(CURRENCIES);
export type Currency = z.infer<typeof currencySchema>;

/** Money never travels as a float: integer minor units (santim, cents) plus currency. */
export const moneySchema = z.object({
  amountMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: currencySchema,
});
export type Money = z.infer<typeof moneySchema>;

export const uuidSchema = z.uuid();
/** ISO-8601 UTC timestamps on the wire. */
export const isoDateTime = z.iso.datetime({ offset: true });

export const ROLES = ['student', 'tutor', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** The authenticated caller, as the gateway established it. Services re-check what it may touch. */
export const actorSchema = z.object({ userId: uuidSchema, role: roleSchema });
export type Actor = z.infer<typeof actorSchema>;

export const SERVICES = ['gateway', 'identity', 'bookings', 'sessions', 'payments', 'notifications'] as const;
export type ServiceName = (typeof SERVICES)[number];
