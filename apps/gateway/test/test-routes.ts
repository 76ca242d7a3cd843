import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import type { Actor } from '@tutorhub/contracts';
import { RpcClient } from '@tutorhub/messaging';
import { ApiTags, ApiZodResponse, CurrentActor, Public, Roles, ZodBody, ZodParam, ZodQuery } from '../src/http';

export const echoInput = z.strictObject({ text: z.string().min(1).max(20), count: z.number().int().min(1).max(5).optional() });

/** Lets a test hold a request in flight until it opens the gate. */
export class Gate {
  private open?: () => void;
  entered = 0;
  private promise = new Promise<void>((resolve) => (this.open = resolve));
  wait(): Promise<void> {
    this.entered++;
    return this.promise;
  }
  release(): void {
    this.open?.();
  }
}

export const testState = { executions: 0, gate: new Gate() };

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

  /** Counts executions: an idempotent replay must not run it again. */
  @Post('orders')
  order(@ZodBody(z.object({ item: z.string(), qty: z.number().int().positive() })) body: { item: string; qty: number }, @CurrentActor() actor: Actor) {
    testState.executions++;
    return { orderNo: testState.executions, item: body.item, qty: body.qty, userId: actor.userId };
  }

  /** Stays in flight until the test releases `testState.gate`. */
  @Post('slow-orders')
  async slowOrder(@ZodBody(z.object({ item: z.string() })) body: { item: string }) {
    await testState.gate.wait();
    testState.executions++;
    return { orderNo: testState.executions, item: body.item };
  }

  @Post('no-content')
  @HttpCode(204)
  noContent(): void {
    testState.executions++;
  }

  /** Forwards to a fake `probe` service that the test serves on a raw queue. */
  @Post('forward')
  forward(@ZodBody(z.object({ mode: z.string() })) body: { mode: string }, @CurrentActor() actor: Actor) {
    return this.rpc.call<unknown>('probe', 'probe.do', body, { actor, timeoutMs: 1000 });
  }
}
