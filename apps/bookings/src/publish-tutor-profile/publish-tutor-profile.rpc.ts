import { Injectable } from '@nestjs/common';
import { bookingsRpc, type TutorProfile } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { PublishTutorProfile } from './publish-tutor-profile';

@Injectable()
export class PublishTutorProfileRpc {
  constructor(private readonly publishTutorProfile: PublishTutorProfile) {}

  /** A tutor creates or replaces their own profile (publish-tutor-profile.ts). */
  @OnRpc(bookingsRpc.tutorsUpsertMe)
  async upsertMe({ actor: tutor, data: input }: RpcContext<typeof bookingsRpc.tutorsUpsertMe>): Promise<TutorProfile> {
    return this.publishTutorProfile.publish(tutor, input);
  }
}
