import { Logger } from '@nestjs/common';
import { DedicatedConnection } from '@tutorhub/persistence';
import { AppError, counter } from '@tutorhub/platform';

const waits = counter('read_your_writes_waits_total', 'Requests that waited for an event to reach a read model, by outcome', ['service', 'outcome']);

/** The NOTIFY channel on which a service's consumer announces each handled event (see EventConsumer). */
export function handledChannel(schema: string): string {
  return `${schema}_handled`;
}

/** How long a request waits for the event it depends on (docs/design.md §6: about 2 s). */
export const READ_YOUR_WRITES_WAIT_MS = 2000;

/**
 * Read-your-writes for clients (docs/design.md §6, ADR 0006). A request that depends on an event its
 * service has not handled yet (the owner has the booking, this service's copy does not) waits
 * for it, bounded, instead of answering "does not exist".
 *
 * How it wakes: the event consumer sends `pg_notify('<schema>_handled', <bookingId>)` in the
 * transaction that records the event in the inbox (a set-based run: one NOTIFY with its keys
 * comma-separated; ids hold no comma), so the notification is delivered at commit,
 * to every replica (the request may be served by another replica than the one that consumed the
 * event). One LISTEN connection per process fans notifications out to the waiting requests by
 * key. There is no polling loop: a waiter re-reads when woken, and once more at its deadline.
 * Only while the LISTEN connection is down does a waiter re-read on a short timer instead.
 */
export class ReadYourWrites {
  private readonly logger: Logger;
  private readonly waiters = new Map<string, Set<() => void>>();
  private listening = false;
  private readonly connection: DedicatedConnection;

  constructor(
    private readonly options: { databaseUrl: string; schema: string; service: string },
  ) {
    this.logger = new Logger(`ReadYourWrites:${options.schema}`);
    const channel = handledChannel(options.schema);
    this.connection = new DedicatedConnection({
      url: options.databaseUrl,
      applicationName: `${options.service}-read-your-writes`,
      session: async ({ client, ended }) => {
        // A set-based run of a batch announces all its keys in one NOTIFY, comma-separated (ADR 0022).
        client.on('notification', (n) => n.payload && n.payload.split(',').forEach((key) => this.notify(key)));
        await client.query(`LISTEN "${channel}"`);
        this.listening = true;
        await ended;
      },
      onError: (err) => this.logger.warn(`LISTEN ${channel} failed: ${err.message}; waiters re-read on a timer meanwhile`),
      onClosed: () => {
        this.listening = false;
      },
    });
  }

  /** Whether the LISTEN connection is up (waiters are woken by events, not timers). */
  get isListening(): boolean {
    return this.listening;
  }

  start(): void {
    this.connection.start();
  }

  async stop(): Promise<void> {
    await this.connection.stop();
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  /**
   * Reads until `read` finds what the request depends on, waking on each handled event about
   * `key`, for at most `timeoutMs`. Returns undefined if it is still missing then.
   */
  async await<T>(key: string, read: () => Promise<T | undefined | null>, timeoutMs = READ_YOUR_WRITES_WAIT_MS): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    let waited = false;
    for (;;) {
      // Subscribe before reading, so an event committed between the read and the wait still wakes us.
      const signal = this.signal(key);
      let value: T | undefined | null;
      try {
        value = await read();
      } catch (err) {
        signal.cancel();
        throw err;
      }
      if (value !== undefined && value !== null) {
        signal.cancel();
        if (waited) waits.inc({ service: this.options.service, outcome: 'caught_up' });
        return value;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        signal.cancel();
        waits.inc({ service: this.options.service, outcome: 'timed_out' });
        return undefined;
      }
      waited = true;
      // Listening: sleep until this key's event is handled (or the deadline). Not listening (the
      // connection is being re-established): re-read on a short timer meanwhile.
      await signal.wait(this.listening ? remaining : Math.min(remaining, 200));
    }
  }

  private signal(key: string): { wait: (ms: number) => Promise<void>; cancel: () => void } {
    let wake!: () => void;
    let timer: NodeJS.Timeout | undefined;
    const fired = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const set = this.waiters.get(key) ?? new Set<() => void>();
    set.add(wake);
    this.waiters.set(key, set);
    const cancel = () => {
      if (timer) clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
    };
    return {
      cancel,
      wait: async (ms: number) => {
        timer = setTimeout(wake, ms);
        await fired;
        cancel();
      },
    };
  }

  private notify(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const wake of [...set]) wake();
  }
}

/**
 * The answer when the event a request depends on has still not arrived after the wait: not "does
 * not exist" (the owner has it), but "not yet", with a hint when to retry.
 */
export function notReady(code: string, what: string, retryAfterSeconds = 1): AppError {
  return new AppError(409, code, `${what} is still being set up after your last change; retry in a moment.`, { retryAfterSeconds });
}
