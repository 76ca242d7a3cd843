import { createServer, type Server } from 'node:http';

/** One span as a service process exported it (OTLP/HTTP JSON), ids in lowercase hex. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporters add /v1/traces). */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Export requests answered so far (the bench's sink counts them). */
  requests: number;
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value?: AnyValue };

/**
 * A minimal OTLP/HTTP traces receiver kept in memory, standing in for a collector: service
 * processes started by a test export to it (OTLP JSON, as @opentelemetry/exporter-trace-otlp-http
 * sends), and the test reads what arrived. Protobuf bodies are acknowledged but not decoded.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (req.url === '/v1/traces' && (req.headers['content-type'] ?? '').includes('json')) {
        try {
          collect(JSON.parse(Buffer.concat(chunks).toString('utf8')), spans);
        } catch {
          // A malformed export is the exporter's problem; the test will miss its spans.
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function collect(body: unknown, into: ReceivedSpan[]): void {
  const resourceSpans = (body as { resourceSpans?: unknown[] }).resourceSpans ?? [];
  for (const rs of resourceSpans as Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: unknown[] }> }>) {
    const service = String(attributes(rs.resource?.attributes)['service.name'] ?? 'unknown');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of (ss.spans ?? []) as Array<Record<string, unknown>>) {
        into.push({
          service,
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: String(s.name),
          kind: Number(s.kind ?? 0),
          attributes: attributes(s.attributes as KeyValue[] | undefined),
          links: ((s.links ?? []) as Array<Record<string, unknown>>).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
        });
      }
    }
  }
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = value?.stringValue ?? value?.intValue ?? value?.boolValue ?? value?.doubleValue;
  return out;
}

/** OTLP/JSON ids are hex; some exporters send base64. */
function hex(id: unknown): string {
  if (typeof id !== 'string' || id === '') return '';
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}
