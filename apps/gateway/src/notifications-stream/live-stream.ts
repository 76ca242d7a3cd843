import type { LiveNotification, StreamCatchUpResult } from '@tutorhub/contracts';

/** A notification to stream: from the live feed (with `seq`), or a legacy event (without). */
export type StreamedNotification = Omit<LiveNotification, 'seq'> & { seq?: string };

/** The stream's writes (the SSE framing lives with the controller). */
export interface StreamSink {
  /** One `notification` event; `id`: the SSE id to set, or undefined to leave the client's as it is. */
  notification(n: Omit<LiveNotification, 'seq'>, id: string | undefined): void;
  /** Sets the client's last event id without an event (the position it would resume from). */
  position(id: string): void;
  /** The stream cannot promise its user a complete catch-up any more: end it (the client reconnects). */
  end(): void;
}

export type CatchUp = (after: string | undefined) => Promise<StreamCatchUpResult>;

/** At most this many notifications are replayed per catch-up (then the stream ends; the client resumes). */
export const MAX_CATCH_UP_PAGES = 10;
/** Live items held while a catch-up runs; more than this ends the stream (the client resumes). */
const MAX_BUFFERED = 1000;

const bigint = (s: string) => BigInt(s);

/**
 * One resumable stream's position (ADR 0018). Notifications reach it in `seq` order from the
 * live feed; when the stream opens with a Last-Event-ID, and whenever the feed may have lost
 * something (a resync), it asks the notifications service for everything after the last `seq`
 * it sent, while holding back live items, and then lets those through that are newer. So the
 * client gets each notification once, in order, and its last event id is always a `seq` it may
 * resume from.
 *
 * - `sent`: the highest `seq` this client has (sent here, or its Last-Event-ID): nothing at or
 *   below it is sent again.
 * - `floor`: where a catch-up starts: `sent`, or the user's newest `seq` when the stream opened
 *   (everything before the stream opened is the inbox's business, `GET /api/notifications`).
 */
export class LiveStream {
  private sent: bigint | undefined;
  private floor: bigint | undefined;
  private lastId: bigint | undefined;
  private syncing = false;
  private again = false;
  private buffer: StreamedNotification[] = [];
  private closed = false;

  constructor(
    private readonly sink: StreamSink,
    private readonly catchUp: CatchUp,
    lastEventId: string | undefined,
  ) {
    if (lastEventId) this.sent = this.floor = this.lastId = bigint(lastEventId);
  }

  /** Opens: catch up from the Last-Event-ID, or learn the current position. */
  start(): Promise<void> {
    return this.sync();
  }

  close(): void {
    this.closed = true;
    this.buffer = [];
  }

  /** A notification from the live feed (or a legacy event). */
  live(n: StreamedNotification): void {
    if (this.closed) return;
    if (this.syncing) {
      if (this.buffer.length >= MAX_BUFFERED) return this.fail();
      this.buffer.push(n);
      return;
    }
    this.deliver(n);
  }

  /** The feed may have lost messages: catch up from where the stream is. */
  resync(): Promise<void> {
    return this.sync();
  }

  private deliver(n: StreamedNotification): void {
    const { seq, ...notification } = n;
    if (seq === undefined) return this.sink.notification(notification, undefined); // legacy: no position
    const s = bigint(seq);
    if (this.sent !== undefined && s <= this.sent) return; // the client has it
    // An id only moves forward: an older item (live, racing the opening position) keeps the client's id.
    const forward = this.lastId === undefined || s > this.lastId;
    this.sink.notification(notification, forward ? seq : undefined);
    if (forward) this.lastId = s;
    this.sent = s;
    if (this.floor === undefined || s > this.floor) this.floor = s;
  }

  private async sync(): Promise<void> {
    if (this.closed) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.again = false;
        if (this.floor === undefined) {
          // Nothing to resume from yet: learn the user's newest seq ("0": none yet), the position
          // to resume from. If that fails, the stream goes on live without one (nothing is lost
          // that it had promised: it has not sent anything yet).
          let last: string;
          try {
            last = (await this.catchUp(undefined)).last ?? '0';
          } catch {
            continue;
          }
          if (this.closed) return;
          const at = bigint(last);
          if (this.floor === undefined || at > this.floor) this.floor = at;
          if (this.lastId === undefined || at > this.lastId) {
            this.lastId = at;
            this.sink.position(last);
          }
          continue;
        }
        for (let page = 0; ; page++) {
          if (page === MAX_CATCH_UP_PAGES) return this.fail();
          const result = await this.catchUp(this.floor.toString());
          if (this.closed) return;
          for (const item of result.items) this.deliver(item);
          if (!result.more) break;
        }
      } while (this.again);
    } catch {
      // The notifications service did not answer a catch-up. Letting held-back items through
      // would skip what was missed; the client resumes from its last id when it reconnects.
      return this.fail();
    } finally {
      this.syncing = false;
      if (!this.closed) {
        const held = this.buffer;
        this.buffer = [];
        for (const n of held) this.deliver(n);
      }
    }
  }

  private fail(): void {
    if (this.closed) return;
    this.close();
    this.sink.end();
  }
}
