import { Injectable } from '@nestjs/common';
import { paymentsRpc } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { Payouts } from './payouts';

@Injectable()
export class WithdrawRpc {
  constructor(private readonly payouts: Payouts) {}

  @OnRpc(paymentsRpc.walletWithdraw)
  async withdraw({ actor: tutor, data: input }: RpcContext<typeof paymentsRpc.walletWithdraw>) {
    return this.payouts.withdraw(tutor, input);
  }
}
