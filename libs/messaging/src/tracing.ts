import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';

/**
 * Spans of the messaging backbone, written against the OpenTelemetry API only. Without a
 * registered SDK (tracing off: no OTEL_EXPORTER_OTLP_ENDPOINT) every call here is the API's
 * no-op, and `inject` writes nothing, so messages and outbox rows carry no trace headers.
 *
 * Every span carries `tutorhub.service`: in production each process has its own resource with
 * `service.name`, but in-process tests run several services under one tracer provider, and this
 * attribute is what tells their spans apart there.
 */
export const SERVICE_ATTRIBUTE = 'tutorhub.service';

/** W3C trace context as stored with an outbox row and sent in AMQP headers. */
export type TraceCarrier = Record<string, string>;

const tracer = () => trace.getTracer('@tutorhub/messaging');

/** AMQP header values may be strings, Buffers (some clients) or anything else; only text is trusted. */
const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v = carrier[key];
    if (typeof v === 'string') return v;
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    return undefined;
  },
};

/** Whom an event is about, so that a trace viewer finds every trace of one booking by tag. */
export function subjectAttributes(data: unknown): Attributes {
  const d = (data ?? {}) as Record<string, unknown>;
  return typeof d.bookingId === 'string' ? { 'tutorhub.booking_id': d.bookingId } : {};
}

export function messagingAttributes(service: string, destination: string, operation: 'send' | 'create' | 'process' | 'receive', extra: Attributes = {}): Attributes {
  return {
    [SERVICE_ATTRIBUTE]: service,
    'messaging.system': 'rabbitmq',
    'messaging.destination.name': destination,
    'messaging.operation.type': operation,
    ...extra,
  };
}

/** The trace context of `span` (or of the active context) as headers; empty when tracing is off. */
export function injectTraceContext(span?: Span, ctx: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(span ? trace.setSpan(ctx, span) : ctx, carrier);
  return carrier;
}

/** The remote context carried by AMQP headers (or a stored outbox carrier); ROOT when there is none. */
export function extractTraceContext(headers: Record<string, unknown> | null | undefined): Context {
  if (!headers) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
}

export function startSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context = context.active(), linkTo?: Context): Span {
  const linked = linkTo ? trace.getSpanContext(linkTo) : undefined;
  return tracer().startSpan(name, { kind, attributes, links: linked ? [{ context: linked }] : undefined }, parent);
}

/** Runs `fn` with `span` active (so logs, queries and nested calls see it), ending it afterwards. */
export async function inSpan<T>(span: Span, parent: Context, fn: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function failSpan(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

export { SpanKind };
