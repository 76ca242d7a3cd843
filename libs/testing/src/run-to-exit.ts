import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Runs an app's TypeScript entry point (compiled on the fly, like startAppProcess) with `args`
 * until it exits, or until `until` matches a line of its output (then it is stopped). Returns
 * the exit code and every line it wrote, stdout and stderr together.
 */
export async function runAppToExit(
  app: string,
  args: string[],
  env: Record<string, string>,
  opts: { until?: (line: string) => boolean; timeoutMs?: number } = {},
): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, [join(__dirname, 'run-ts.cjs'), join(ROOT, 'apps', app, 'src', 'main.ts'), ...args], {
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  const keep = (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      lines.push(line);
      if (opts.until?.(line)) child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (pending.trim()) lines.push(pending);
  return { code, lines };
}
