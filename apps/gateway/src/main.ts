import 'reflect-metadata';
import { runService } from '@tutorhub/service';
import { gatewayMain } from './main-definition';

void runService(gatewayMain);
