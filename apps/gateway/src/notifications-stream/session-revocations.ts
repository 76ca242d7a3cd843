import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { listenForRevocations, SESSION_REVOKED_CHANNEL } from '../identity/refresh-token.store';
import { NotificationHub } from './notification-hub';

/**
 * Closes this replica's open notification streams of a session the moment it is revoked
 * (logout, refresh-token reuse), on whichever replica that happened: the revoking transaction
 * sends `pg_notify('identity_session_revoked', <session id>)`, delivered at commit to every
 * LISTENing process. A notification lost while this connection was down is covered by the
 * streams themselves: at a heartbeat (SSE_HEARTBEAT_MS), a stream whose last check of its
 * session happened under another `generation` (or none) checks it again. Requests do not
 * depend on this: each one checks the session row (ADR 0015).
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionRevocations');
  private client?: Client;
  private running = false;
  private loop?: Promise<void>;
  private stopWait?: () => void;
  private listening = false;
  private connections = 0;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly hub: NotificationHub,
  ) {}

  /** Whether notifications are being received (tests, diagnostics). */
  get isListening(): boolean {
    return this.listening;
  }

  /**
   * Which LISTEN connection is up (it changes on every reconnect), or undefined while none is.
   * A stream that checked its session under generation G has missed no revocation as long as
   * the generation is still G: every one since was delivered on that connection.
   */
  get generation(): number | undefined {
    return this.listening ? this.connections : undefined;
  }

  /** The backend pid of the LISTEN connection (tests cut it to simulate a lost connection). */
  get backendPid(): number | undefined {
    return this.listening ? (this.client as (Client & { processID?: number }) | undefined)?.processID : undefined;
  }

  onModuleInit(): void {
    this.running = true;
    this.loop = this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.stopWait?.();
    await this.client?.end().catch(() => undefined);
    await this.loop;
  }

  private async listen(): Promise<void> {
    while (this.running) {
      const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: 'gateway-session-revocations' });
      this.client = client;
      try {
        await client.connect();
        client.on('notification', (n) => n.payload && this.hub.closeSession(n.payload));
        await listenForRevocations(client);
        this.connections++;
        this.listening = true;
        await new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
          this.stopWait = resolve;
          if (!this.running) resolve();
        });
      } catch (err) {
        if (this.running) this.logger.warn(`LISTEN ${SESSION_REVOKED_CHANNEL} failed: ${(err as Error).message}; streams re-check their session at each heartbeat meanwhile`);
      }
      this.listening = false;
      await client.end().catch(() => undefined);
      if (this.running) await new Promise((r) => setTimeout(r, 1000).unref());
    }
  }
}
