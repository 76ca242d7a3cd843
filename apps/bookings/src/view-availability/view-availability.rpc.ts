import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Availability } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ViewAvailability } from './view-availability';

@Injectable()
export class ViewAvailabilityRpc {
  constructor(private readonly viewAvailability: ViewAvailability) {}

  @OnRpc(bookingsRpc.availabilityGet)
  async get({ data: { tutorId } }: RpcContext<typeof bookingsRpc.availabilityGet>): Promise<Availability> {
    return this.viewAvailability.get(tutorId);
  }
}
