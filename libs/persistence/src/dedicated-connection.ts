import { Client } from 'pg';

/** What a holder gets each time its connection is (re)established. */
export interface DedicatedSession {
  client: Client;
  /** Resolves when the connection fails or ends, or when the holder is stopped. */
  ended: Promise<void>;
  /** False once stop() was called: a session that waits on something else checks it. */
  running(): boolean;
}

export interface DedicatedConnectionOptions {
  url: string;
  /** `application_name`, so the connection can be told apart in pg_stat_activity. */
  applicationName: string;
  /**
   * Runs on each fresh connection (LISTEN, take a session lock, …) and returns when it is done
   * with it, normally after `ended`. Throwing counts as a lost connection.
   */
  session: (s: DedicatedSession) => Promise<void>;
  /** A failed connect or session while running (the connection is retried after `retryMs`). */
  onError: (err: Error) => void;
  /** After each connection is gone, before the retry wait (holders reset their "listening" flags). */
  onClosed?: () => void;
  retryMs?: number;
}

/**
 * One Postgres connection outside the pool, kept open for as long as its holder runs and
 * re-established `retryMs` (1 s) after it drops. LISTEN and session-level advisory locks need a
 * connection of their own: a pooled one would hand them to the next query's caller. Holders:
 * read-your-writes waits (libs/messaging), the gateway's session revocations and the
 * notifications live feed — they differ only in what they do with the connection.
 */
export class DedicatedConnection {
  private client?: Client;
  private running = false;
  private loop?: Promise<void>;
  private stopWait?: () => void;

  constructor(private readonly opts: DedicatedConnectionOptions) {}

  /** The current connection (tests read its backend pid to cut it). */
  get current(): Client | undefined {
    return this.client;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopWait?.();
    await this.client?.end().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const client = new Client({ connectionString: this.opts.url, application_name: this.opts.applicationName });
      this.client = client;
      try {
        await client.connect();
        const ended = new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
          this.stopWait = resolve;
          if (!this.running) resolve();
        });
        await this.opts.session({ client, ended, running: () => this.running });
      } catch (err) {
        if (this.running) this.opts.onError(err as Error);
      }
      this.opts.onClosed?.();
      await client.end().catch(() => undefined);
      if (this.running) await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 1000).unref());
    }
  }
}
