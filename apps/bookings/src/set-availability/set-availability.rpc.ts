import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Availability } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { SetAvailability } from './set-availability';

@Injectable()
export class SetAvailabilityRpc {
  constructor(private readonly setAvailability: SetAvailability) {}

  /** A tutor replaces their own weekly hours (rules in set-availability.ts). */
  @OnRpc(bookingsRpc.availabilitySetMe)
  async setMe({ actor: tutor, data: input }: RpcContext<typeof bookingsRpc.availabilitySetMe>): Promise<Availability> {
    return this.setAvailability.set(tutor, input);
  }
}
