/**
 * The outbox and inbox live in each service's own schema and are created by that service's
 * first migration, so a state change and the events it causes commit (or roll back) together.
 */
export function messagingTablesSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE ${s}.outbox (
       seq bigserial PRIMARY KEY,
       id uuid NOT NULL UNIQUE,
       type text NOT NULL,
       envelope jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       published_at timestamptz,
       attempts integer NOT NULL DEFAULT 0,
       last_error text
     )`,
    `CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (seq) WHERE published_at IS NULL`,
    `CREATE INDEX outbox_published_at_idx ON ${s}.outbox (published_at) WHERE published_at IS NOT NULL`,
    // Wakes the relay at commit time; the relay also polls, so a lost notification only delays.
    `CREATE FUNCTION ${s}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_notify('${schema}_outbox', ''); RETURN NULL; END $$`,
    `CREATE TRIGGER outbox_notify AFTER INSERT ON ${s}.outbox
       FOR EACH STATEMENT EXECUTE FUNCTION ${s}.outbox_notify()`,
    `CREATE TABLE ${s}.inbox (
       event_id uuid NOT NULL,
       consumer text NOT NULL,
       event_type text NOT NULL,
       processed_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (event_id, consumer)
     )`,
    `CREATE INDEX inbox_processed_at_idx ON ${s}.inbox (processed_at)`,
  ];
}

export function dropMessagingTablesSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [`DROP TABLE ${s}.inbox`, `DROP TABLE ${s}.outbox`, `DROP FUNCTION ${s}.outbox_notify()`];
}

/**
 * The W3C trace context (`traceparent`, `tracestate`) of the work that wrote an outbox row, so
 * that the relay publishes it in the message headers and consumers link to it (issue 17).
 * Added by a later migration of each service; NULL when tracing is off.
 */
export function outboxTraceContextSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".outbox ADD COLUMN IF NOT EXISTS trace_context jsonb`];
}

export function dropOutboxTraceContextSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".outbox DROP COLUMN IF EXISTS trace_context`];
}
