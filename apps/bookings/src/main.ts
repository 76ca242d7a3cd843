import 'reflect-metadata';
import { runService } from '@tutorhub/service';
import { bookingsMain } from './main-definition';

void runService(bookingsMain);
