import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { context, diag, isSpanContextValid, propagation, trace, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator, getNumberFromEnv } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResources, resourceAttributesEnvDetector, resourceFromAttributes, serviceNameEnvDetector } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

/**
 * Distributed tracing (issue 17, docs/operations.md "Tracing"), configured by the standard
 * OTEL_* variables. Off unless an exporter endpoint is set: then nothing here runs, and the
 * OpenTelemetry API used by the messaging backbone stays a no-op.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporter = (env.OTEL_TRACES_EXPORTER ?? 'otlp').trim().toLowerCase();
  if (exporter === 'none') return false;
  if (exporter === 'console') return true;
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG as the specification defines them (default parentbased_always_on). */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export interface TelemetryOptions {
  /** Replaces the OTLP exporter (tests: an in-memory exporter behind a SimpleSpanProcessor). */
  spanProcessors?: SpanProcessor[];
  /** Patch http, pg and fetch (default true). Jest loads modules its own way, so tests turn it off. */
  instrument?: boolean;
  sampler?: Sampler;
}

let provider: TracerProvider | undefined;

/**
 * Registers the tracer provider, the AsyncLocalStorage context manager, the W3C propagators and
 * the instrumentations (incoming/outgoing HTTP, Postgres queries, fetch — the Chapa client).
 * Called by runService before Nest starts. Returns false when tracing is off.
 */
export function startTelemetry(defaultServiceName: string, opts: TelemetryOptions = {}): boolean {
  if (provider) return true;
  if (!opts.spanProcessors && !tracingEnabled()) return false;
  if (process.env.OTEL_LOG_LEVEL) {
    diag.setLogger(new DiagConsoleLogger(), DiagLogLevel[process.env.OTEL_LOG_LEVEL.toUpperCase() as keyof typeof DiagLogLevel] ?? DiagLogLevel.WARN);
  }
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the service's own name.
  const resource = resourceFromAttributes({ 'service.name': defaultServiceName }).merge(detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] }));
  provider = new TracerProvider({
    resource,
    sampler: opts.sampler ?? samplerFromEnv(),
    // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS and _TIMEOUT itself.
    spanProcessors: opts.spanProcessors ?? [defaultProcessor()],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  if (opts.instrument !== false) instrument();
  return true;
}

function defaultProcessor(): SpanProcessor {
  const console = (process.env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'console';
  return new BatchSpanProcessor({
    exporter: console ? new ConsoleSpanExporter() : new OTLPTraceExporter(),
    scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
    maxQueueSize: getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
    exportTimeoutMillis: getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
  });
}

function instrument(): void {
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would be most of the traces and tell nothing.
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics)/.test(req.url ?? ''),
      }),
      // Only queries inside a traced unit of work: the relay's idle polling would otherwise be a
      // root trace per second.
      new PgInstrumentation({ requireParentSpan: true }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
    ],
  });
  // runService starts after main.ts imported the whole app, so http and pg are already loaded.
  // An instrumentation patches a module when it is required, and both patch shared objects in
  // place (http's exports, pg's Client.prototype): requiring them once more here applies it.
  for (const name of ['http', 'https', 'pg']) require(name);
}

/** Flushes what is buffered and stops the SDK. */
export async function shutdownTelemetry(): Promise<void> {
  const p = provider;
  if (!p) return;
  provider = undefined;
  await p.shutdown().catch(() => undefined);
  trace.disable();
  context.disable();
  propagation.disable();
}

/** The active span's ids for log lines (beside the correlation id); nothing when tracing is off. */
export function traceIds(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return isSpanContextValid(span.spanContext()) ? { traceId, spanId } : {};
}

/** Flushes buffered spans when the application closes (SIGTERM: Nest's shutdown hooks). */
@Injectable()
export class TelemetryShutdown implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await provider?.forceFlush().catch(() => undefined);
  }
}
