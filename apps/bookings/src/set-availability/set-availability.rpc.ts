import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Availability } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireRole } from '../shared/access';
import { SetAvailability } from './set-availability';

@Injectable()
export class SetAvailabilityRpc {
  constructor(private readonly setAvailability: SetAvailability) {}

  /** A tutor replaces their own weekly hours (rules in set-availability.ts). */
  @OnRpc(bookingsRpc.availabilitySetMe)
  async setMe({ actor, data: input }: RpcContext<typeof bookingsRpc.availabilitySetMe>): Promise<Availability> {
    const tutor = requireRole(actor, 'tutor');
    return this.setAvailability.set(tutor, input);
  }
}
