import type { Options } from 'amqplib';

/**
 * The broker addresses a process may connect to (AMQP_URL as a comma-separated list, or
 * AMQP_URLS): one per node of a RabbitMQ cluster. The connection uses one at a time; after a
 * lost connection or a failed attempt it moves to the next, round-robin, so a process whose node
 * died reconnects to a live one (amqplib's recovery supplies the backoff between attempts).
 *
 * amqplib's recovery re-reads the address object it was given on every attempt, so `target` is
 * one object whose fields are overwritten with the next address's: the rotation needs nothing
 * from amqplib beyond its documented object form of a URL.
 */
export class BrokerAddresses {
  private readonly addresses: Options.Connect[];
  private readonly labels: string[];
  private index: number;
  readonly target: Options.Connect = {};

  constructor(urls: string[], start = Math.floor(Math.random() * Math.max(1, urls.length))) {
    if (urls.length === 0) throw new Error('no AMQP URL given');
    this.addresses = urls.map(toConnectOptions);
    this.labels = urls.map(redact);
    this.index = start % urls.length;
    this.apply();
  }

  get size(): number {
    return this.addresses.length;
  }

  /** Where the next attempt goes (no password), for logs. */
  get current(): string {
    return this.labels[this.index];
  }

  /** Moves to the next address; returns it (for logs). */
  next(): string {
    this.index = (this.index + 1) % this.addresses.length;
    this.apply();
    return this.current;
  }

  private apply(): void {
    for (const k of Object.keys(this.target)) delete (this.target as Record<string, unknown>)[k];
    Object.assign(this.target, this.addresses[this.index]);
  }
}

/** `amqp://user:pass@host:port/vhost?heartbeat=…` in amqplib's object form (same defaults as its string form). */
export function toConnectOptions(url: string): Options.Connect {
  const u = new URL(url);
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') throw new Error(`not an AMQP URL: ${redact(url)}`);
  const out: Options.Connect = {
    protocol: u.protocol.slice(0, -1),
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : u.protocol === 'amqp:' ? 5672 : 5671,
    // The string form defaults to guest/guest only when both are missing; so does the object form.
    ...(u.username !== '' || u.password !== '' ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
  };
  // amqplib unescapes the vhost itself.
  const vhost = u.pathname.replace(/^\//, '');
  if (vhost) out.vhost = vhost;
  for (const [k, v] of u.searchParams) {
    if (k === 'heartbeat' || k === 'frameMax' || k === 'channelMax') out[k] = Number(v);
    else if (k === 'locale') out.locale = v;
  }
  return out;
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
