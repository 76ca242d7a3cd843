import { Injectable } from '@nestjs/common';
import { bookingsRpc, type DisputeResult } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { OpenDispute } from './open-dispute';

@Injectable()
export class OpenDisputeRpc {
  constructor(private readonly openDispute: OpenDispute) {}

  /** The booking's student disputes the lesson (rules in open-dispute.ts). */
  @OnRpc(bookingsRpc.dispute)
  async open({ actor: student, data: input }: RpcContext<typeof bookingsRpc.dispute>): Promise<DisputeResult> {
    return this.openDispute.open(student, input);
  }
}
