import { Injectable } from '@nestjs/common';
import { bookingsRpc, type Page, type TutorProfile } from '@tutorhub/contracts';
import { OnRpc, type RpcContext } from '@tutorhub/messaging';
import { SearchTutors } from './search-tutors';

@Injectable()
export class SearchTutorsRpc {
  constructor(private readonly searchTutors: SearchTutors) {}

  @OnRpc(bookingsRpc.tutorsSearch)
  async search({ data: input }: RpcContext<typeof bookingsRpc.tutorsSearch>): Promise<Page<TutorProfile>> {
    return this.searchTutors.search(input);
  }
}
