import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiZodResponse, CurrentActor, Public, Roles, ZodBody, ZodParam, ZodQuery } from '../src/http';

export const echoInput = z.strictObject({ text: z.string().min(1).max(20), count: z.number().int().min(1).max(5).optional() });

/** Test-only routes exercising the HTTP core (mounted through `extraControllers`). */
@ApiTags('test')
@Controller('test')
export class TestRoutesController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('whoami')
  @ApiZodResponse(z.object({ actor: z.object({ userId: z.string(), role: z.string() }) }))
  whoami(@CurrentActor() actor: Actor) {
    return { actor };
  }

  @Public()
  @Get('open')
  open(@CurrentActor() actor: Actor | null) {
    return { actor };
  }

  @Roles('admin')
  @Get('admin-only')
  adminOnly() {
    return { ok: true };
  }

  @Post('echo')
  @HttpCode(200)
  echo(@ZodBody(echoInput) body: z.output<typeof echoInput>, @CurrentActor() actor: Actor) {
    return { body, actor };
  }

  @Get('items/:id')
  item(@ZodParam('id', z.uuid()) id: string, @ZodQuery(z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) })) q: { limit: number }) {
    return { id, limit: q.limit };
  }

  /** Forwards to a fake `probe` service that the test serves on a raw queue. */
  @Post('forward')
  forward(@ZodBody(z.object({ mode: z.string() })) body: { mode: string }, @CurrentActor() actor: Actor) {
    return this.rpc.call<unknown>('probe', 'probe.do', body, { actor, timeoutMs: 1000 });
  }
}
