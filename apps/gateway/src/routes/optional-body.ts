import { Body } from '@nestjs/common';
import type { z } from 'zod';
import { ApiBody, ZodValidationPipe, zodToOpenApi } from '../http';

/**
 * `@OptionalZodBody(schema) body: z.output<typeof schema> | undefined`: a JSON body the client
 * may leave out (`{reason?}`, `{notes?}`). Validated against `schema` when sent (400 as for any
 * body), and documented as the operation's request body, not required. The counterpart of
 * `@ZodBody` for these routes, so each of them does not pair an `@ApiBody(…, required: false)`
 * with a `@Body(new ZodValidationPipe(schema.optional()))` of its own.
 */
export function OptionalZodBody(schema: z.ZodType): ParameterDecorator {
  const pipe = new ZodValidationPipe(schema.optional());
  const documented = ApiBody({ schema: zodToOpenApi(schema, 'input') as never, required: false });
  return (target, key, index) => {
    Body(pipe)(target, key, index);
    const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && descriptor) documented(target, key, descriptor);
  };
}
