import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

export interface AppProcess {
  app: string;
  baseUrl: string;
  child: ChildProcess;
  /** The process's output, newest last (capped), for failure messages. */
  logs: string[];
  /** Graceful stop (SIGTERM), or any signal (SIGKILL to simulate a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * Starts one app as its own process, spoken to over HTTP only (apps never import apps), and
 * waits until `/health/ready` answers. `from: 'source'` compiles its TypeScript on the fly
 * with the project's swc options (no build needed); `from: 'dist'` runs the production build.
 */
/**
 * The V8 flags the apps are deployed with (tools/runtime-flags.cjs, shared with `npm start` and
 * the image's entrypoint), so tests and the bench run what production runs.
 */
export function nodeRuntimeFlags(): string[] {
  return (require(join(ROOT, 'tools', 'runtime-flags.cjs')) as { NODE_RUNTIME_FLAGS: string[] }).NODE_RUNTIME_FLAGS;
}

export async function startAppProcess(
  app: string,
  env: Record<string, string>,
  opts: { from?: 'source' | 'dist'; port?: number; readyTimeoutMs?: number } = {},
): Promise<AppProcess> {
  const port = opts.port ?? (await freePort());
  const flags = nodeRuntimeFlags();
  const args =
    opts.from === 'dist'
      ? [...flags, join(ROOT, 'dist', 'apps', app, 'src', 'main.js')]
      : [...flags, join(__dirname, 'run-ts.cjs'), join(ROOT, 'apps', app, 'src', 'main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const keep = (chunk: Buffer) => {
    logs.push(...chunk.toString().split('\n').filter(Boolean));
    if (logs.length > 2000) logs.splice(0, logs.length - 2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Never leave a process behind, whatever happens to the test run.
  const reap = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', reap);

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    process.removeListener('exit', reap);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}:\n${logs.slice(-40).join('\n')}`);
    const ready = await fetch(`${baseUrl}/health/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`${app} not ready:\n${logs.slice(-40).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { app, baseUrl, child, logs, stop };
}
