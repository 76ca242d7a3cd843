import { parseArgs } from 'node:util';
import { DeadLetters, operatorName, Topology, writeAudit } from '@tutorhub/messaging';

const USAGE = `usage: main.js dlq list [--limit N]
       main.js dlq show <id>
       main.js dlq replay (<id>... | --all) [--operator NAME] [--reason TEXT] [--audit-file PATH]`;

/** How far `show` looks into the queue for an id. */
const SHOW_SCAN = 10_000;

/**
 * `node dist/apps/<service>/src/main.js dlq …`: inspect and replay the service's dead-letter
 * queue, with the service's own AMQP_URL and AMQP_NAMESPACE (docs/operations.md, "Dead-lettered
 * messages"). Returns the exit code. Output is JSON (one line per message or audit record).
 */
export async function runDlqCommand(
  service: string,
  amqp: { url: string; namespace: string },
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        limit: { type: 'string' },
        all: { type: 'boolean' },
        operator: { type: 'string' },
        reason: { type: 'string' },
        'audit-file': { type: 'string' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 64;
  }
  const [command, ...ids] = parsed.positionals;
  const { values } = parsed;
  const usage = () => {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  };
  if (command !== 'list' && command !== 'show' && command !== 'replay') return usage();
  if (command === 'show' && ids.length !== 1) return usage();
  if (command === 'replay' && (ids.length === 0) === !values.all) return usage();
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) return usage();

  let dlq: DeadLetters;
  try {
    dlq = await DeadLetters.open(amqp.url, new Topology(amqp.namespace), service);
  } catch (err) {
    process.stderr.write(`cannot reach RabbitMQ: ${(err as Error).message}\n`);
    return 69; // EX_UNAVAILABLE
  }
  try {
    if (command === 'list') {
      for (const l of await dlq.list(limit)) {
        out(JSON.stringify({ id: l.id, type: l.type, reason: l.reason, deadLetteredAt: l.deadLetteredAt, replays: l.replays }));
      }
      return 0;
    }
    if (command === 'show') {
      const found = (await dlq.list(SHOW_SCAN)).find((l) => l.id === ids[0]);
      if (!found) {
        process.stderr.write(`no message ${ids[0]} in ${dlq.queue}\n`);
        return 1;
      }
      out(JSON.stringify(found, null, 2));
      return 0;
    }
    const { replayed, missing } = await dlq.replay(values.all ? 'all' : ids, {
      operator: operatorName(values.operator),
      reason: values.reason ?? null,
    });
    for (const line of replayed) writeAudit(line, values['audit-file']);
    for (const id of missing) process.stderr.write(`no message ${id} in ${dlq.queue}\n`);
    return missing.length > 0 ? 1 : 0;
  } catch (err) {
    // Typically a 404 from the passive declare: the service has not declared its queues yet.
    process.stderr.write(`${dlq.queue}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await dlq.close();
  }
}
