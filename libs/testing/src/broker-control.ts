import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from './app-process';

/**
 * A RabbitMQ node of the test's own, for outage tests: no test stops the machine's shared broker
 * (other test files, helpers and platforms use it). The node (`broker-<random>@localhost`) runs
 * the installed RabbitMQ as the `rabbitmq` user on free loopback ports, with its own data
 * directory and Erlang cookie under /tmp (its own HOME, so its rabbitmqctl cannot even reach
 * the shared node), and is removed at the end. Needs root and the rabbitmq-server package (the
 * CI machine has both); without them, the suite's own broker container when the global setup
 * started one (TEST_RABBITMQ_CONTAINER), else a clear failure.
 */
export interface PrivateBroker {
  amqpUrl: string;
  /** `rabbitmqctl stop_app`: the node stays up, the broker application stops (connections drop). */
  stop(): void;
  /** `rabbitmqctl start_app` and wait until it serves again. */
  start(): void;
  /** Kills the node and removes its files. */
  remove(): Promise<void>;
}

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const container = process.env.TEST_RABBITMQ_CONTAINER;
  const local = existsSync(`${RABBIT_BIN}/rabbitmq-server`) && process.getuid?.() === 0;
  if (!local && container) return containerBroker(container);
  if (!local) throw new Error('a private RabbitMQ node needs root and the rabbitmq-server package (apt-get install -y rabbitmq-server)');

  const id = randomBytes(4).toString('hex');
  const node = `broker-${id}@localhost`;
  const dir = `/tmp/tutorhub-broker-${id}`;
  const home = join(dir, 'home');
  const [amqpPort, distPort] = [await freePort(), await freePort()];
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(20).toString('hex').toUpperCase());
  chmodSync(join(home, '.erlang.cookie'), 0o400);
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${amqpPort}\nloopback_users = none\nlog.console = false\nlog.file.level = warning\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  execFileSync('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
  const env = [
    `HOME=${home}`,
    `RABBITMQ_NODENAME=${node}`,
    'RABBITMQ_NODE_IP_ADDRESS=127.0.0.1',
    `RABBITMQ_NODE_PORT=${amqpPort}`,
    `RABBITMQ_DIST_PORT=${distPort}`,
    `RABBITMQ_MNESIA_BASE=${join(dir, 'mnesia')}`,
    `RABBITMQ_LOG_BASE=${join(dir, 'log')}`,
    `RABBITMQ_PID_FILE=${join(dir, 'pid')}`,
    `RABBITMQ_ENABLED_PLUGINS_FILE=${join(dir, 'enabled_plugins')}`,
    `RABBITMQ_CONFIG_FILE=${join(dir, 'rabbitmq.conf')}`,
  ];
  const ctl = (...args: string[]) =>
    execFileSync('runuser', ['-u', 'rabbitmq', '--', 'env', `HOME=${home}`, `${RABBIT_BIN}/rabbitmqctl`, '-n', node, ...args], { stdio: 'ignore', timeout: 120_000 });
  const remove = async () => {
    const pidFile = join(dir, 'pid');
    const pid = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
    if (pid) spawnSync('kill', ['-9', pid], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('runuser', ['-u', 'rabbitmq', '--', 'env', ...env, `${RABBIT_BIN}/rabbitmq-server`, '-detached'], { stdio: 'ignore', timeout: 60_000 });
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        ctl('-q', 'ping');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    ctl('await_startup', '--timeout', '120');
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    amqpUrl: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    stop: () => ctl('stop_app'),
    start: () => {
      ctl('start_app');
      ctl('await_startup', '--timeout', '120');
    },
    remove,
  };
}

/** The suite's own broker container (no local RabbitMQ): stopped and started inside it. */
function containerBroker(container: string): PrivateBroker {
  const ctl = (...args: string[]) => execFileSync('docker', ['exec', container, 'rabbitmqctl', ...args], { stdio: 'ignore', timeout: 60_000 });
  return {
    amqpUrl: process.env.TEST_AMQP_URL ?? '',
    stop: () => ctl('stop_app'),
    start: () => {
      ctl('start_app');
      ctl('await_startup');
    },
    remove: async () => undefined,
  };
}
