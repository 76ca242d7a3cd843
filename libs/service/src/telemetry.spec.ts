import { ROOT_CONTEXT, SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SamplingDecision, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { samplerFromEnv, shutdownTelemetry, startTelemetry, tracingEnabled, traceIds } from './telemetry';

const sample = (env: NodeJS.ProcessEnv, traceId = 'ffffffffffffffffffffffffffffffff') =>
  samplerFromEnv(env).shouldSample(ROOT_CONTEXT, traceId, 'x', SpanKind.SERVER, {}, []).decision;

describe('telemetry configuration (OTEL_*)', () => {
  it('is off unless an OTLP endpoint (or the console exporter) is configured', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_SERVICE_NAME: 'bookings' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });

  it('honours OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none', () => {
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });

  it('builds the sampler OTEL_TRACES_SAMPLER names, with the ratio from OTEL_TRACES_SAMPLER_ARG', () => {
    expect(sample({})).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(sample({ OTEL_TRACES_SAMPLER: 'always_off' })).toBe(SamplingDecision.NOT_RECORD);
    expect(sample({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' })).toBe(SamplingDecision.NOT_RECORD);
    // The ratio sampler keeps a trace whose id (its four 32-bit words XORed) falls under ratio × 2^32.
    const low = '00000000000000000000000000000001';
    const high = 'ffffffff000000000000000000000000';
    expect(sample({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, low)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(sample({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, high)).toBe(SamplingDecision.NOT_RECORD);
    expect(sample({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, low)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('puts no trace ids in log lines when there is no active span', () => {
    expect(traceIds()).toEqual({});
    const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    // Without a registered context manager the API cannot make it active: still nothing.
    expect(context.with(trace.setSpan(ROOT_CONTEXT, span), () => traceIds())).toEqual({});
  });

  describe('with the SDK started', () => {
    const exporter = new InMemorySpanExporter();
    const saved = { name: process.env.OTEL_SERVICE_NAME, attrs: process.env.OTEL_RESOURCE_ATTRIBUTES };

    beforeAll(() => {
      process.env.OTEL_SERVICE_NAME = 'bookings-eu';
      process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=prod';
      expect(startTelemetry('bookings', { spanProcessors: [new SimpleSpanProcessor({ exporter })], instrument: false })).toBe(true);
    });

    afterAll(async () => {
      await shutdownTelemetry();
      for (const [k, v] of [['OTEL_SERVICE_NAME', saved.name], ['OTEL_RESOURCE_ATTRIBUTES', saved.attrs]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    it('takes service.name from OTEL_SERVICE_NAME and more attributes from OTEL_RESOURCE_ATTRIBUTES', () => {
      trace.getTracer('t').startSpan('s').end();
      const [span] = exporter.getFinishedSpans();
      expect(span.resource.attributes).toMatchObject({ 'service.name': 'bookings-eu', 'deployment.environment': 'prod' });
    });

    it('gives log lines the active span’s trace and span ids', async () => {
      const span = trace.getTracer('t').startSpan('work');
      const ids = await context.with(trace.setSpan(context.active(), span), async () => {
        await new Promise((r) => setImmediate(r));
        return traceIds();
      });
      span.end();
      expect(ids).toEqual({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
      expect(traceIds()).toEqual({});
    });
  });
});
