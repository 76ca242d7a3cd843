import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DedicatedConnection } from '@tutorhub/persistence';
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
  private listening = false;
  private connections = 0;
  private readonly connection: DedicatedConnection;

  constructor(
    @Inject(CONFIG) config: GatewayConfig,
    private readonly hub: NotificationHub,
  ) {
    this.connection = new DedicatedConnection({
      url: config.DATABASE_URL,
      applicationName: 'gateway-session-revocations',
      session: async ({ client, ended }) => {
        client.on('notification', (n) => n.payload && this.hub.closeSession(n.payload));
        await listenForRevocations(client);
        this.connections++;
        this.listening = true;
        await ended;
      },
      onError: (err) => this.logger.warn(`LISTEN ${SESSION_REVOKED_CHANNEL} failed: ${err.message}; streams re-check their session at each heartbeat meanwhile`),
      onClosed: () => {
        this.listening = false;
      },
    });
  }

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
    return this.listening ? (this.connection.current as { processID?: number } | undefined)?.processID : undefined;
  }

  onModuleInit(): void {
    this.connection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.stop();
  }
}
