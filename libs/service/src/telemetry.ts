import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { context, diag, isSpanContextValid, propagation, trace, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
// Types only: the SDK, the exporter and the instrumentations are loaded by `sdk()` when tracing is
// on. Imported at start they cost every app 10–20 MB of idle memory and start-up time for nothing
// when it is off (the default) — issue 15's memory goal. The OpenTelemetry API above is small and
// is what the backbone calls; without a registered provider it is a no-op.
import type { Sampler, SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

type SdkModules = {
  sdk: typeof import('@opentelemetry/sdk-trace');
  core: typeof import('@opentelemetry/core');
  resources: typeof import('@opentelemetry/resources');
  contextAsyncHooks: typeof import('@opentelemetry/context-async-hooks');
};
let loaded: SdkModules | undefined;
// require, not import(): synchronous on purpose. runService starts tracing before Nest, and an
// awaited import() would let the app's first http/pg use race the instrumentation.
function sdk(): SdkModules {
  loaded ??= {
    sdk: require('@opentelemetry/sdk-trace'),
    core: require('@opentelemetry/core'),
    resources: require('@opentelemetry/resources'),
    contextAsyncHooks: require('@opentelemetry/context-async-hooks'),
  };
  return loaded;
}

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
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk().sdk;
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
  const { sdk: trc, core, resources, contextAsyncHooks } = sdk();
  const { detectResources, resourceAttributesEnvDetector, resourceFromAttributes, serviceNameEnvDetector } = resources;
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the service's own name.
  const resource = resourceFromAttributes({ 'service.name': defaultServiceName }).merge(detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] }));
  provider = new trc.TracerProvider({
    resource,
    sampler: opts.sampler ?? samplerFromEnv(),
    // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS and _TIMEOUT itself.
    spanProcessors: opts.spanProcessors ?? [defaultProcessor()],
  });
  context.setGlobalContextManager(new contextAsyncHooks.AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  if (opts.instrument !== false) instrument();
  return true;
}

function defaultProcessor(): SpanProcessor {
  const { BatchSpanProcessor, ConsoleSpanExporter } = sdk().sdk;
  const { getNumberFromEnv } = sdk().core;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
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
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
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
