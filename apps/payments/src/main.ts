import 'reflect-metadata';
import { runService } from '@tutorhub/service';
import { paymentsMain } from './main-definition';

void runService(paymentsMain);
