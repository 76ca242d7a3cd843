/** One JSON log line as a service writes it. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string; correlationId?: string };

/**
 * A pino destination that keeps every line, parsed, for a test to read back (pass `stream` as
 * the service's `logDestination`). Parsing each line also proves it is JSON.
 */
export function logCapture(): { lines: LogLine[]; stream: { write(chunk: string): void }; withId(id: string): LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    stream: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      },
    },
    withId: (id) => lines.filter((l) => l.correlationId === id),
  };
}
