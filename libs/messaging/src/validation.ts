import type { z } from 'zod';
import { AppError } from '@tutorhub/platform';

/** Validates RPC input inside the service (defence in depth behind the gateway's own checks). */
export function parseInput<S extends z.ZodTypeAny>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new AppError(400, 'validation_failed', 'The request is invalid.', {
      errors: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}
