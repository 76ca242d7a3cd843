import { execFileSync } from 'node:child_process';

/**
 * Stops and starts the RabbitMQ application under test (the Erlang node stays up, as in
 * `rabbitmqctl stop_app`), for outage tests: the local broker through `rabbitmqctl`, or the
 * testcontainers broker through `docker exec` when the global setup started one.
 */
function rabbitmqctl(...args: string[]): void {
  const container = process.env.TEST_RABBITMQ_CONTAINER;
  if (container) execFileSync('docker', ['exec', container, 'rabbitmqctl', ...args], { stdio: 'ignore', timeout: 60_000 });
  else execFileSync('rabbitmqctl', args, { stdio: 'ignore', timeout: 60_000 });
}

export const broker = {
  stop: () => rabbitmqctl('stop_app'),
  start: () => {
    rabbitmqctl('start_app');
    rabbitmqctl('await_startup');
  },
};
