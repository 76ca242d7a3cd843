import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Dispute, ListDisputesInput, Page } from '@tutorhub/contracts';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { DisputeStore, toDispute } from '../stores/dispute.store';

/** The admins' dispute queue, newest first. */
@Injectable()
export class ListDisputes {
  constructor(private readonly ds: DataSource) {}

  async list(input: ListDisputesInput): Promise<Page<Dispute>> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await DisputeStore.list(this.ds.manager, { status: input.status, after: decodeCursor(input.cursor), limit });
    return toPage(rows, limit, (r) => ({ at: r.opened_at, id: r.id }), toDispute);
  }
}
