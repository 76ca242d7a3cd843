import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { AmqpConnection } from '@tutorhub/messaging';

/**
 * Liveness says the process is not wedged (no dependencies: restarting it would not fix a
 * database outage). Readiness says it can do useful work: database and broker reachable.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly amqp: AmqpConnection,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  // swaggerDocumentation off: otherwise terminus requires @nestjs/swagger (≈ 530 modules) in every
  // service just to decorate probes the API document excludes anyway (issue 15, idle memory).
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready() {
    return this.health.check([
      async () => {
        const check = this.indicators.check('database');
        try {
          await Promise.race([
            this.dataSource.query('SELECT 1'),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
          ]);
          return check.up();
        } catch (err) {
          return check.down({ message: (err as Error).message });
        }
      },
      async () => {
        const check = this.indicators.check('broker');
        return this.amqp.connected ? check.up() : check.down({ message: 'not connected' });
      },
    ]);
  }
}
