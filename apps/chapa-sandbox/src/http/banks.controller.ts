import { Controller, Get, UseGuards } from '@nestjs/common';
import { SANDBOX_BANKS } from '../domain/banks';
import { ChapaAuthGuard } from './chapa-auth.guard';

@Controller('v1/banks')
@UseGuards(ChapaAuthGuard)
export class BanksController {
  /** Chapa's list answer has a message and data, no status. */
  @Get()
  banks() {
    return { message: 'Banks retrieved', data: SANDBOX_BANKS };
  }
}
