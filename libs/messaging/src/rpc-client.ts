import { randomUUID } from 'node:crypto';
import { trace, type Span } from '@opentelemetry/api';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Actor, RpcDefinition, RpcInput, RpcOutput, RpcProblem, RpcReply } from '@tutorhub/contracts';
import { currentContext, histogram } from '@tutorhub/platform';
import type { AmqpConnection } from './amqp-connection';
import type { Topology } from './topology';
import { SpanKind, extractTraceContext, failSpan, injectTraceContext, messagingAttributes, startSpan } from './tracing';

const callSeconds = histogram('rpc_client_seconds', 'Gateway-side RPC round trip', ['service', 'pattern', 'outcome']);

/** A problem answered by the service (4xx) or by the transport (503/504); the gateway maps it to HTTP. */
export class RpcError extends Error {
  constructor(readonly problem: RpcProblem) {
    super(problem.detail ?? problem.code);
    this.name = 'RpcError';
  }
  get status() {
    return this.problem.status;
  }
  get code() {
    return this.problem.code;
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  span?: Span;
}

const REPLY_TO = 'amq.rabbitmq.reply-to';

export interface RpcCallOptions {
  actor?: Actor | null;
  timeoutMs?: number;
}

/**
 * Request/response over RabbitMQ's direct reply-to (no reply queue to declare or clean up).
 * Each request carries a TTL equal to the timeout, so it expires in the queue rather than
 * being served after the caller gave up. Unroutable requests (service queue missing) and a
 * broker outage fail fast with 503 instead of waiting for the timeout.
 */
export class RpcClient {
  private channel?: Channel;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly topology: Topology,
    private readonly defaultTimeoutMs: number,
    /** The calling service, for its spans. */
    private readonly caller = 'unknown',
  ) {}

  register(): void {
    this.amqp.onConnect('rpc-client', (model) => this.setup(model));
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    ch.on('close', () => {
      if (this.channel === ch) this.channel = undefined;
      this.failAll('upstream.unavailable', 'The message broker connection was lost.');
    });
    ch.on('error', () => undefined);
    ch.on('return', (msg: ConsumeMessage) => {
      const p = this.take(msg.properties.correlationId);
      p?.reject(new RpcError({ status: 503, code: 'upstream.unavailable', detail: 'The service is not available.' }));
    });
    await ch.consume(REPLY_TO, (msg) => msg && this.onReply(msg), { noAck: true });
    this.channel = ch;
  }

  /** `call(bookingsRpc.cancel, input, { actor })`: input and answer typed from the definition. */
  call<D extends RpcDefinition>(def: D, input: RpcInput<D>, opts?: RpcCallOptions): Promise<RpcOutput<D>>;
  /** A bare pattern (tests and probes): the caller names the answer's type. */
  call<T>(service: string, pattern: string, data: unknown, opts?: RpcCallOptions): Promise<T>;
  call(a: RpcDefinition | string, b: unknown, c?: unknown, d?: RpcCallOptions): Promise<unknown> {
    if (typeof a === 'string') return this.request(a, b as string, c, d ?? {});
    return this.request(a.service, a.name, b, (c as RpcCallOptions | undefined) ?? {});
  }

  private async request(service: string, pattern: string, data: unknown, opts: RpcCallOptions): Promise<unknown> {
    const started = process.hrtime.bigint();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    let outcome = 'ok';
    const queue = this.topology.rpcQueue(service);
    // A client span per call; its context travels in the request's headers (`traceparent`), so
    // the server's span is its child.
    const span = startSpan(pattern, SpanKind.CLIENT, messagingAttributes(this.caller, queue, 'send', { 'rpc.system': 'tutorhub-amqp', 'rpc.service': service, 'rpc.method': pattern }));
    try {
      return await this.send(service, pattern, data, opts.actor ?? null, timeoutMs, span);
    } catch (err) {
      outcome = err instanceof RpcError ? String(err.status) : 'error';
      if (err instanceof RpcError) span.setAttribute('rpc.response.status_code', err.status);
      // A refusal (4xx) is the service doing its job; only failures to answer mark the span.
      if (!(err instanceof RpcError) || err.status >= 500) failSpan(span, err);
      throw err;
    } finally {
      span.end();
      callSeconds.observe({ service, pattern, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private send(service: string, pattern: string, data: unknown, actor: Actor | null, timeoutMs: number, span: Span): Promise<unknown> {
    const ch = this.channel;
    if (!ch) {
      return Promise.reject(new RpcError({ status: 503, code: 'upstream.unavailable', detail: 'The message broker is not reachable.' }));
    }
    const id = randomUUID();
    const ctx = currentContext();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.take(id)) {
          reject(new RpcError({ status: 503, code: 'upstream.timeout', detail: `The ${service} service did not answer in time.` }));
        }
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, span });
      try {
        ch.publish('', this.topology.rpcQueue(service), Buffer.from(JSON.stringify({ pattern, actor, data })), {
          correlationId: id,
          replyTo: REPLY_TO,
          expiration: String(timeoutMs),
          mandatory: true,
          contentType: 'application/json',
          headers: { ...injectTraceContext(span), 'x-correlation-id': ctx?.correlationId ?? id },
        });
      } catch (err) {
        this.take(id);
        reject(new RpcError({ status: 503, code: 'upstream.unavailable', detail: (err as Error).message }));
      }
    });
  }

  private onReply(msg: ConsumeMessage): void {
    const p = this.take(msg.properties.correlationId);
    if (!p) return; // late reply after a timeout
    // The reply carries the server span's context too: the client span links to it.
    const server = trace.getSpanContext(extractTraceContext(msg.properties.headers));
    if (server && p.span?.isRecording()) p.span.addLink({ context: server });
    let reply: RpcReply;
    try {
      reply = JSON.parse(msg.content.toString('utf8')) as RpcReply;
    } catch {
      p.reject(new RpcError({ status: 502, code: 'upstream.bad_reply', detail: 'The service sent an unreadable reply.' }));
      return;
    }
    if (reply.ok) p.resolve(reply.data);
    else p.reject(new RpcError(reply.error));
  }

  private take(id: string | undefined): Pending | undefined {
    if (!id) return undefined;
    const p = this.pending.get(id);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(id);
    return p;
  }

  private failAll(code: string, detail: string): void {
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(new RpcError({ status: 503, code, detail }));
  }
}
