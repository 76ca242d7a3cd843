import { assertTestDatabaseUrl } from './test-env';

type Stoppable = { stop: () => Promise<unknown> };

/** Jest global setup: reuse the services named in the environment, or start containers. */
export default async function globalSetup(): Promise<void> {
  const started: Stoppable[] = [];
  if (!process.env.TEST_DATABASE_URL) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const pg = await new PostgreSqlContainer('postgres:16-alpine').withDatabase('tutorhub_test').start();
    started.push(pg);
    process.env.TEST_DATABASE_URL = pg.getConnectionUri();
  }
  if (!process.env.TEST_AMQP_URL) {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const mq = await new RabbitMQContainer('rabbitmq:3.13-management-alpine').start();
    started.push(mq);
    process.env.TEST_AMQP_URL = mq.getAmqpUrl();
    // Outage tests stop and start the broker application inside this container.
    process.env.TEST_RABBITMQ_CONTAINER = mq.getId();
  }
  assertTestDatabaseUrl(process.env.TEST_DATABASE_URL ?? '');
  (globalThis as { __TUTORHUB_CONTAINERS__?: Stoppable[] }).__TUTORHUB_CONTAINERS__ = started;
}
