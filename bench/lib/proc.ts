import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

/** USER_HZ: /proc reports CPU time in clock ticks, 100 per second on Linux. */
const TICKS = 100;

export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** All processes whose command name is `comm` (e.g. every postgres backend, beam.smp). */
export function pidsByComm(predicate: (comm: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (predicate(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Machine-wide busy and total CPU ticks (all cores). */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Samples CPU use per named group of processes between `start()` and `stop()`, as a fraction of
 * one core (1.0 = one core busy the whole time). Postgres backends come and go, so they are
 * re-listed at each sample and their CPU time is kept per pid.
 */
export class CpuMeter {
  private readonly first = new Map<string, Map<number, number>>();
  private readonly last = new Map<string, Map<number, number>>();
  private startedAt = 0;
  private stoppedAt = 0;
  private machineStart = machineTicks();
  private machineEnd = machineTicks();

  constructor(private readonly groups: Record<string, () => number[]>) {}

  private sampleInto(target: Map<string, Map<number, number>>, keepFirst: boolean) {
    for (const [name, list] of Object.entries(this.groups)) {
      const per = target.get(name) ?? new Map<number, number>();
      for (const pid of list()) {
        const cpu = cpuSeconds(pid);
        if (keepFirst && per.has(pid)) continue;
        per.set(pid, cpu);
      }
      target.set(name, per);
    }
  }

  start(): void {
    this.startedAt = performance.now();
    this.machineStart = machineTicks();
    this.first.clear();
    this.last.clear();
    this.sampleInto(this.first, false);
  }

  /** Call every second or so: new processes (backends) get a baseline, known ones a fresh reading. */
  sample(): void {
    this.sampleInto(this.first, true);
    this.sampleInto(this.last, false);
  }

  /**
   * Cores used per group, the machine's busy fraction (all cores), and `otherProcesses`: busy
   * cores not accounted to any group — other work on the machine competing with the bench.
   */
  stop(): Record<string, number> & { machineBusyFraction: number } {
    this.sample();
    this.stoppedAt = performance.now();
    this.machineEnd = machineTicks();
    const seconds = (this.stoppedAt - this.startedAt) / 1000;
    const out: Record<string, number> = {};
    for (const name of Object.keys(this.groups)) {
      const f = this.first.get(name) ?? new Map();
      const l = this.last.get(name) ?? new Map();
      let used = 0;
      for (const [pid, end] of l) used += Math.max(0, end - (f.get(pid) ?? end));
      out[name] = round(used / seconds, 2);
    }
    const busy = this.machineEnd.busy - this.machineStart.busy;
    const total = this.machineEnd.total - this.machineStart.total;
    const fraction = total > 0 ? busy / total : 0;
    const accounted = Object.values(out).reduce((a, b) => a + b, 0);
    return { ...out, otherProcesses: round(Math.max(0, fraction * os.cpus().length - accounted), 2), machineBusyFraction: round(fraction, 3) };
  }
}

export function machineInfo() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
