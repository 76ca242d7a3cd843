import { Injectable } from '@nestjs/common';
import { bookingsRpc, type TutorProfile } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { ViewTutorProfile } from './view-tutor-profile';

@Injectable()
export class ViewTutorProfileRpc {
  constructor(private readonly viewTutorProfile: ViewTutorProfile) {}

  @OnRpc(bookingsRpc.tutorsGet)
  async get({ data: { tutorId } }: RpcContext<typeof bookingsRpc.tutorsGet>): Promise<TutorProfile> {
    return this.viewTutorProfile.get(tutorId);
  }
}
