import { Injectable } from '@nestjs/common';
import { paymentsRpc } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { StartCheckout } from './start-checkout';

@Injectable()
export class StartCheckoutRpc {
  constructor(private readonly checkout: StartCheckout) {}

  @OnRpc(paymentsRpc.initiate)
  async initiate({ actor: who, data: input }: RpcContext<typeof paymentsRpc.initiate>) {
    return this.checkout.initiate(who, input.bookingId, input.owner);
  }
}
