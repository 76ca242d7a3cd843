import { Logger } from '@nestjs/common';
import { context, trace, type Span } from '@opentelemetry/api';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ZodError } from 'zod';
import { rpcRequestSchema, type Actor, type RpcDefinition, type RpcReply } from '@tutorhub/contracts';
import { counter, histogram, isCallerError, isTransientInfrastructureError, runWithContext } from '@tutorhub/platform';
import type { AmqpConnection } from './amqp-connection';
import type { DiscoveredHandler } from './handler-discovery';
import { admitRpc, checkRpcOutput, validateRpcOutputs } from './rpc-definition-guard';
import type { Topology } from './topology';
import { SpanKind, extractTraceContext, failSpan, injectTraceContext, messagingAttributes, startSpan, subjectAttributes } from './tracing';

const served = histogram('rpc_server_seconds', 'Time to serve one RPC request', ['service', 'pattern', 'outcome']);
const failures = counter('rpc_server_internal_errors_total', 'RPC requests that failed with an unexpected error', ['service', 'pattern']);

/**
 * Serves `<service>.rpc`. Requests that outlived their caller's timeout expire in the queue (TTL
 * set by the client), so the server never works for a caller that has given up. Errors carrying
 * a status and code (AppError, DomainError) go back as problems; anything else is logged here
 * with its stack and answered as a bare internal error.
 */
export class RpcServer {
  private readonly logger: Logger;
  private channel?: Channel;
  private consumerTag?: string;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private readonly checkOutputs = validateRpcOutputs();

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
    private readonly handlers: Map<string, DiscoveredHandler>,
    private readonly service: string,
    private readonly prefetch: number,
  ) {
    this.logger = new Logger(`Rpc:${service}`);
  }

  register(): void {
    if (this.handlers.size === 0) return;
    this.amqp.onConnect('rpc-server', (model) => this.setup(model));
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    this.amqp.watch(model, ch, 'rpc');
    await ch.prefetch(this.prefetch);
    const queue = await this.topology.assertRpcQueue(ch, this.service);
    this.channel = ch;
    if (this.stopping) return;
    const { consumerTag } = await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const p = this.serve(ch, msg);
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      },
      { noAck: false },
    );
    this.consumerTag = consumerTag;
  }

  /** The server span is the child of the caller's (its `traceparent` header), active while the handler runs. */
  private async serve(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const parent = extractTraceContext(msg.properties.headers);
    const span = startSpan(`${msg.fields.routingKey} process`, SpanKind.SERVER, messagingAttributes(this.service, msg.fields.routingKey, 'process', { 'rpc.system': 'tutorhub-amqp', 'rpc.service': this.service }), parent);
    try {
      await context.with(trace.setSpan(parent, span), () => this.serveInSpan(ch, msg, span));
    } finally {
      span.end();
    }
  }

  private async serveInSpan(ch: Channel, msg: ConsumeMessage, span: Span): Promise<void> {
    const started = process.hrtime.bigint();
    let pattern = 'unknown';
    let reply: RpcReply;
    const correlationId = String(msg.properties.headers?.['x-correlation-id'] ?? msg.properties.correlationId ?? '');
    try {
      const parsed = rpcRequestSchema.safeParse(JSON.parse(msg.content.toString('utf8')));
      if (!parsed.success) throw Object.assign(new Error('Malformed RPC request'), { status: 400, code: 'rpc.malformed' });
      pattern = parsed.data.pattern;
      span.updateName(pattern);
      span.setAttributes({ 'rpc.method': pattern, ...subjectAttributes(parsed.data.data) });
      const handler = this.handlers.get(pattern);
      if (!handler) throw Object.assign(new Error(`No handler for ${pattern}`), { status: 404, code: 'rpc.unknown_pattern' });
      const actor = parsed.data.actor;
      const result = await runWithContext({ correlationId: correlationId || msg.properties.correlationId, actor: actor ?? undefined }, () =>
        this.invoke(handler, actor, parsed.data.data),
      );
      reply = { ok: true, data: result ?? null };
    } catch (err) {
      reply = { ok: false, error: this.toProblem(err, pattern) };
    }
    const outcome = reply.ok ? 'ok' : reply.error.status >= 500 ? 'error' : 'refused';
    if (!reply.ok) {
      span.setAttribute('rpc.response.status_code', reply.error.status);
      if (reply.error.status >= 500) failSpan(span, new Error(reply.error.code));
    }
    served.observe({ service: this.service, pattern, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    try {
      if (msg.properties.replyTo) {
        ch.sendToQueue(msg.properties.replyTo, Buffer.from(JSON.stringify(reply)), {
          correlationId: msg.properties.correlationId,
          contentType: 'application/json',
          // Both ways: the caller's span links to this one.
          headers: injectTraceContext(span),
        });
      }
      ch.ack(msg);
    } catch (err) {
      // The channel died; the caller times out and may retry (mutations are idempotent by key).
      this.logger.warn(`could not reply to ${pattern}: ${(err as Error).message}`);
    }
  }

  /** `@OnRpc(def)`: actor and input checked first, the answer checked in tests; a bare pattern: as is. */
  private async invoke(handler: DiscoveredHandler, actor: Actor | null, data: unknown): Promise<unknown> {
    const def = handler.detail as RpcDefinition | undefined;
    if (!def) return handler.invoke({ actor, data });
    const result = await handler.invoke({ actor, data: admitRpc(def, actor, data) });
    if (this.checkOutputs) checkRpcOutput(def, result);
    return result;
  }

  private toProblem(err: unknown, pattern: string) {
    if (err instanceof ZodError) {
      return {
        status: 400,
        code: 'validation_failed',
        detail: 'The request is invalid.',
        errors: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      };
    }
    if (isCallerError(err)) {
      const details = err.details as Record<string, unknown> | undefined;
      const { errors, ...rest } = (details ?? {}) as { errors?: Array<{ path: string; message: string }> };
      return {
        status: err.status,
        code: err.code,
        detail: err.message,
        ...(errors ? { errors } : {}),
        ...(Object.keys(rest).length ? { details: rest } : {}),
      };
    }
    const e = err as { status?: unknown; code?: unknown };
    if (typeof e?.status === 'number' && e.status === 503 && typeof e.code === 'string') {
      return { status: 503, code: e.code, detail: 'The service is temporarily unavailable.' };
    }
    // The database is down, restarting or out of connections: the caller may retry (503), this
    // is not a bug in the handler (500 → 502 at the gateway).
    if (isTransientInfrastructureError(err)) {
      this.logger.warn(`${pattern} failed: database unavailable: ${(err as Error)?.message ?? String(err)}`);
      return { status: 503, code: 'database.unavailable', detail: 'The database is temporarily unavailable; retry shortly.' };
    }
    failures.inc({ service: this.service, pattern });
    this.logger.error(`${pattern} failed: ${(err as Error)?.stack ?? String(err)}`);
    return { status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' };
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.channel && this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => undefined);
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, timeoutMs))]);
  }
}
