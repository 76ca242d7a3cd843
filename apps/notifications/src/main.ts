import 'reflect-metadata';
import { runService } from '@tutorhub/service';
import { notificationsMain } from './main-definition';

void runService(notificationsMain);
