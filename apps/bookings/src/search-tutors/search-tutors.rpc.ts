import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Page, type TutorProfile } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { requireActor } from '../shared/access';
import { SearchTutors } from './search-tutors';

@Injectable()
export class SearchTutorsRpc {
  constructor(private readonly searchTutors: SearchTutors) {}

  @OnRpc(bookingsRpc.tutorsSearch)
  async search({ actor, data: input }: RpcContext<typeof bookingsRpc.tutorsSearch>): Promise<Page<TutorProfile>> {
    requireActor(actor);
    return this.searchTutors.search(input);
  }
}
