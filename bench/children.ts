import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * The bench's serving processes (upstream, passthrough, Tollgate) run as children so the load
 * generator's CPU is not counted in theirs. Protocol over IPC:
 *   child -> parent  { type: 'ready', ...info }     once listening
 *   parent -> child  { type: 'stats' }               child answers { type: 'stats', cpuUs, rss, extra }
 *   parent -> child  { type: 'exit' }                child closes and exits 0 (so --cpu-prof is written)
 * RSS is also sampled from /proc/PID/status, which costs the child nothing.
 */

export interface ChildStats {
  /** process.cpuUsage() user + system, microseconds. */
  cpuUs: number;
  userUs: number;
  systemUs: number;
  rss: number;
  heapUsed: number;
  /** Memory outside the V8 heap held by JS objects (Buffers, ...). */
  external: number;
  extra: Record<string, number>;
}

export interface BenchChild<Info> {
  name: string;
  pid: number;
  info: Info;
  stats(): Promise<ChildStats>;
  /** Starts / stops (writing `path`) a CPU profile in the child. */
  profile(action: 'start' | 'stop', path?: string): void;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  execArgv?: string[];
  logDir: string;
  readyTimeoutMs?: number;
}

export async function spawnChild<Info>(name: string, script: string, opts: SpawnOptions): Promise<BenchChild<Info>> {
  const logPath = join(opts.logDir, `${name}.log`);
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = fork(script, [], {
    // process.execPath is the Node that runs the bench (node_modules' v24 under `npm run bench`).
    execArgv: ['--no-warnings', ...(opts.execArgv ?? [])],
    stdio: ['ignore', logFd, logFd, 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  closeSync(logFd);
  const fail = (why: string) => new Error(`${name}: ${why}; log: ${logPath}\n${tail(logPath)}`);
  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => reject(fail('not ready in time')), opts.readyTimeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(fail(`exited during start-up (code ${code})`));
    });
    child.on('message', function onReady(msg: unknown) {
      if (isMsg(msg) && msg.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onReady);
        resolve(msg as unknown as Info);
      }
    });
  });
  child.removeAllListeners('exit');

  let pending: ((s: ChildStats) => void)[] = [];
  child.on('message', (msg: unknown) => {
    if (isMsg(msg) && msg.type === 'stats') {
      const waiters = pending;
      pending = [];
      for (const w of waiters) w(msg as unknown as ChildStats);
    }
  });
  return {
    name,
    pid: child.pid as number,
    info,
    stats: () =>
      new Promise<ChildStats>((resolve, reject) => {
        const timer = setTimeout(() => reject(fail('no stats answer')), 10_000);
        pending.push((s) => {
          clearTimeout(timer);
          resolve(s);
        });
        child.send({ type: 'stats' });
      }),
    profile: (action, path) => child.send({ type: `profile-${action}`, path }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.send({ type: 'exit' });
        else child.kill('SIGTERM');
      }),
  };
}

function isMsg(m: unknown): m is { type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

/** Resident set size in bytes read from /proc (no work in the child); null if unavailable. */
export function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs: number): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => {
    const r = rssOf(pid);
    if (r !== null) samples.push(r);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/**
 * CPU profile of a chosen window only (start-up excluded), via the inspector: what `--cpu-prof`
 * records, minus the seconds of module loading that would otherwise dominate it.
 */
const profiler = {
  session: null as Session | null,
  async start() {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  },
  async stop(path: string) {
    if (!this.session) return;
    const { profile } = await this.session.post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    this.session.disconnect();
    this.session = null;
  },
};

/** Child side: answers stats and exit requests. `extra` adds child-specific counters. */
export function serveChildProtocol(onExit: () => Promise<void>, extra: () => Record<string, number> = () => ({})): void {
  process.on('message', (msg: unknown) => {
    if (!isMsg(msg)) return;
    if (msg.type === 'stats') {
      const u = process.cpuUsage();
      const m = process.memoryUsage();
      process.send?.({ type: 'stats', cpuUs: u.user + u.system, userUs: u.user, systemUs: u.system, rss: m.rss, heapUsed: m.heapUsed, external: m.external, extra: extra() });
    } else if (msg.type === 'profile-start') {
      void profiler.start();
    } else if (msg.type === 'profile-stop') {
      void profiler.stop((msg as unknown as { path: string }).path);
    } else if (msg.type === 'exit') {
      onExit().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  // The parent died: do not linger.
  process.on('disconnect', () => process.exit(0));
}
