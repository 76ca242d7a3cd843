import 'reflect-metadata';
import { runService } from '@tutorhub/service';
import { sessionsMain } from './main-definition';

void runService(sessionsMain);
