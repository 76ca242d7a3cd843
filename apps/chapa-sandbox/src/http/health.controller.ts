import { Controller, Get } from '@nestjs/common';

/** In-memory and dependency-free: alive means ready. */
@Controller('health')
export class HealthController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  ready() {
    return { status: 'ok' };
  }
}
