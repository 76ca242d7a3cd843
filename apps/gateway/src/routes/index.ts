import type { Type } from '@nestjs/common';
import { AdminEscrowController } from './admin-escrow.controller';
import { AdminRefundsController } from './admin-refunds.controller';
import { BookingsController } from './bookings.controller';
import { NotificationsController } from './notifications.controller';
import { PaymentsController } from './payments.controller';
import { SessionsController } from './sessions.controller';
import { TutorsController } from './tutors.controller';
import { WalletController } from './wallet.controller';

/**
 * Every HTTP controller that forwards to a service. Each domain adds its controller here
 * (one line each) so the gateway module and the OpenAPI document pick it up.
 */
export const ROUTE_CONTROLLERS: Type[] = [NotificationsController, SessionsController, TutorsController, BookingsController, PaymentsController, WalletController, AdminEscrowController, AdminRefundsController];
