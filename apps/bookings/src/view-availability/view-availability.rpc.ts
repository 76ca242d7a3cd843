import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Availability } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireActor } from '../shared/access';
import { ViewAvailability } from './view-availability';

@Injectable()
export class ViewAvailabilityRpc {
  constructor(private readonly viewAvailability: ViewAvailability) {}

  @OnRpc(bookingsRpc.availabilityGet)
  async get({ actor, data: { tutorId } }: RpcContext<typeof bookingsRpc.availabilityGet>): Promise<Availability> {
    requireActor(actor);
    return this.viewAvailability.get(tutorId);
  }
}
