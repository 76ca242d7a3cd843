import { Injectable } from '@nestjs/common';
import { paymentsRpc, type WalletView } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { Wallet } from './wallet';

@Injectable()
export class WalletRpc {
  constructor(private readonly wallet: Wallet) {}

  @OnRpc(paymentsRpc.walletGet)
  async get({ actor: tutor, data: input }: RpcContext<typeof paymentsRpc.walletGet>): Promise<WalletView> {
    return this.wallet.view(tutor.userId, input);
  }
}
