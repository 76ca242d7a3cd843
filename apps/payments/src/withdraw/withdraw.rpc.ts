import { Injectable } from '@nestjs/common';
import { paymentsRpc } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireRole } from '../shared/access';
import { Payouts } from './payouts';

@Injectable()
export class WithdrawRpc {
  constructor(private readonly payouts: Payouts) {}

  @OnRpc(paymentsRpc.walletWithdraw)
  async withdraw({ actor, data: input }: RpcContext<typeof paymentsRpc.walletWithdraw>) {
    const tutor = requireRole(actor, 'tutor', 'wallet.forbidden_role');
    return this.payouts.withdraw(tutor, input);
  }
}
