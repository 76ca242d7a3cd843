import { Injectable } from '@nestjs/common';
import { paymentsRpc } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireActor } from '../shared/access';
import { StartCheckout } from './start-checkout';

@Injectable()
export class StartCheckoutRpc {
  constructor(private readonly checkout: StartCheckout) {}

  @OnRpc(paymentsRpc.initiate)
  async initiate({ actor, data: input }: RpcContext<typeof paymentsRpc.initiate>) {
    const who = requireActor(actor);
    return this.checkout.initiate(who, input.bookingId, input.owner);
  }
}
