/**
 * Where integration tests find Postgres and RabbitMQ: TEST_DATABASE_URL / TEST_AMQP_URL when
 * set (CI and machines with local services), otherwise containers started by the global setup.
 * Any database whose name does not say it is for tests is refused: a mistyped URL must never
 * let a test suite drop or fill a real database.
 */
export function assertTestDatabaseUrl(url: string): void {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/test/i.test(name)) {
    throw new Error(`Refusing to run tests against database "${name}": its name must contain "test".`);
  }
}

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (the Jest global setup sets it or starts a container)');
  assertTestDatabaseUrl(url);
  return url;
}

export function testAmqpUrl(): string {
  const url = process.env.TEST_AMQP_URL;
  if (!url) throw new Error('TEST_AMQP_URL is not set (the Jest global setup sets it or starts a container)');
  return url;
}
