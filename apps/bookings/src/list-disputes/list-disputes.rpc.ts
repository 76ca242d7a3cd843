import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { bookingsRpc, type Dispute, type Page } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../shared/cursor';
import { DisputeStore, toDispute } from '../stores/dispute.store';

/** The admins' dispute queue, newest first. */
@Injectable()
export class ListDisputesRpc {
  constructor(private readonly ds: DataSource) {}

  @OnRpc(bookingsRpc.disputesList)
  async list({ data: input }: RpcContext<typeof bookingsRpc.disputesList>): Promise<Page<Dispute>> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await DisputeStore.list(this.ds.manager, { status: input.status, after: decodeCursor(input.cursor), limit });
    return toPage(rows, limit, (r) => ({ at: r.opened_at, id: r.id }), toDispute);
  }
}
