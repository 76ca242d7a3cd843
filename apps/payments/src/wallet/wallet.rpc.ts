import { Injectable } from '@nestjs/common';
import { paymentsRpc, type WalletView } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireRole } from '../shared/access';
import { Wallet } from './wallet';

@Injectable()
export class WalletRpc {
  constructor(private readonly wallet: Wallet) {}

  @OnRpc(paymentsRpc.walletGet)
  async get({ actor, data: input }: RpcContext<typeof paymentsRpc.walletGet>): Promise<WalletView> {
    const tutor = requireRole(actor, 'tutor', 'wallet.forbidden_role');
    return this.wallet.view(tutor.userId, input);
  }
}
