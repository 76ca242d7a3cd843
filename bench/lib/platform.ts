import { readFileSync, readdirSync } from 'node:fs';
import Module from 'node:module';
import { join, sep } from 'node:path';
import type { AppName, Platform } from '../../e2e/support/platform';

export type { AppName, Platform };
type PlatformModule = typeof import('../../e2e/support/platform');

/** The repository root (dist/bench/lib → three levels up). */
export const ROOT = join(__dirname, '..', '..', '..');

/**
 * Loads e2e/support/platform.ts — the very code the end-to-end suite uses to start every app as
 * its own process — without copying it, from source, as Jest does: `.ts` files of this repository
 * are compiled on require with the project's swc options (tools/swc-options.cjs, which also turns
 * the @tutorhub/* aliases into relative paths). The build does not compile e2e/, and the harness
 * and libs/testing find the repository from their own location, so they must run from their
 * source paths. The apps themselves still run from dist/ (the harness builds it first).
 */
export function loadPlatformModule(): PlatformModule {
  const swc = require(join(ROOT, 'node_modules', '@swc', 'core')) as typeof import('@swc/core');
  const { swcOptions } = require(join(ROOT, 'tools', 'swc-options.cjs')) as { swcOptions: () => Record<string, unknown> };
  const extensions = (Module as unknown as { _extensions: Record<string, (m: NodeModule, filename: string) => void> })._extensions;
  const previous = extensions['.ts'];
  extensions['.ts'] = (m, filename) => {
    if (!filename.startsWith(ROOT + sep) || filename.includes(`${sep}node_modules${sep}`)) return previous?.(m, filename);
    const { code } = swc.transformSync(readFileSync(filename, 'utf8'), { ...swcOptions(), filename, sourceMaps: 'inline' } as Parameters<typeof swc.transformSync>[1]);
    (m as NodeModule & { _compile(code: string, filename: string): void })._compile(code, filename);
  };
  return require(join(ROOT, 'e2e', 'support', 'platform.ts')) as PlatformModule;
}

/** The process ids of the platform's apps: found in /proc by entry point and broker namespace. */
export function findAppPids(platform: Platform, apps: readonly AppName[]): Partial<Record<AppName, number>> {
  const found: Partial<Record<AppName, number>> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const app = apps.find((a) => cmdline.includes(`dist/apps/${a}/src/main.js`));
      if (!app) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`AMQP_NAMESPACE=${platform.namespace}`)) found[app] = Number(entry);
    } catch {
      // the process ended meanwhile, or is not ours to read
    }
  }
  return found;
}
