import { Injectable } from '@nestjs/common';
import { bookingsRpc, type TutorProfile } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireActor } from '../shared/access';
import { ViewTutorProfile } from './view-tutor-profile';

@Injectable()
export class ViewTutorProfileRpc {
  constructor(private readonly viewTutorProfile: ViewTutorProfile) {}

  @OnRpc(bookingsRpc.tutorsGet)
  async get({ actor, data: { tutorId } }: RpcContext<typeof bookingsRpc.tutorsGet>): Promise<TutorProfile> {
    requireActor(actor);
    return this.viewTutorProfile.get(tutorId);
  }
}
