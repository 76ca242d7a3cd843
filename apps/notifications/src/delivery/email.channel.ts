import { createTransport, type Transporter } from 'nodemailer';
import type { DataSource, EntityManager } from 'typeorm';
import type { ContactStore } from '../stores/contact.store';
import type { DeliveryChannel, OutgoingNotification, SendOutcome } from './delivery-channel';

export interface EmailChannelOptions {
  smtpUrl: string | undefined;
  from: string;
  /** Socket-level limits, so that a hung server fails the attempt instead of the job. */
  timeoutMs?: number;
}

/** Email over SMTP (nodemailer), to the address from `identity.user.registered.v1`. */
export class EmailChannel implements DeliveryChannel {
  readonly name = 'email' as const;
  readonly transactional = false;
  readonly enabled: boolean;
  private readonly transport?: Transporter;

  constructor(
    private readonly dataSource: DataSource,
    private readonly contacts: ContactStore,
    private readonly options: EmailChannelOptions,
  ) {
    this.enabled = !!options.smtpUrl;
    if (options.smtpUrl) {
      const timeout = options.timeoutMs ?? 15000;
      this.transport = createTransport({
        url: options.smtpUrl,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout * 2,
      });
    }
  }

  async reachableUsers(em: EntityManager, userIds: string[]): Promise<Set<string>> {
    return this.contacts.known(em, userIds);
  }

  async send(n: OutgoingNotification): Promise<SendOutcome> {
    if (!this.transport) throw new Error('email is not configured (SMTP_URL)');
    const contact = await this.contacts.emailOf(this.dataSource.manager, n.userId);
    if (!contact) return 'skipped';
    await this.transport.sendMail({
      from: this.options.from,
      to: { name: contact.full_name, address: contact.email },
      subject: n.title,
      text: `${n.body}\n\n— tutorhub`,
      html: renderHtml(n),
      headers: { 'X-Tutorhub-Notification': n.notificationId, 'X-Tutorhub-Kind': n.kind },
      messageId: `<${n.notificationId}@notifications.tutorhub>`,
    });
    return 'sent';
  }

  close(): void {
    this.transport?.close();
  }
}

function renderHtml(n: OutgoingNotification): string {
  return (
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2>${escapeHtml(n.title)}</h2><p>${escapeHtml(n.body)}</p>` +
    `<p style="color:#888">— tutorhub</p></body></html>`
  );
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}
