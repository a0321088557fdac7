/**
 * Bench settings: environment variables, overridable by `--name=value` flags (same names, lower
 * case, without BENCH_: `npm run bench -- --seconds=2 --report-events=0`). `--quick` shortens every
 * phase for a smoke run.
 */

export interface Settings {
  /** Measured seconds per target per round of the c=16 request load. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  concurrency: number;
  /** Total request rate of the paced (non-saturating) run at the same concurrency. */
  pacedRps: number;
  streamSeconds: number;
  streamGapMs: number;
  streamChunks: number;
  openStreams: number;
  holdSeconds: number;
  bigMb: number;
  chargeSeconds: number;
  /** Events in the report fixture; 0 skips the report step. */
  reportEvents: number;
  /** Events in the MongoDB report fixture (rebuilt each run, slow on FerretDB); 0 skips it. */
  mongoReportEvents: number;
  /** Before each phase, wait up to this many seconds for the machine's other load to drop under quietBusy. */
  quietWait: number;
  /** CPU busy share (0-1, all cores) of the rest of the machine that counts as quiet. */
  quietBusy: number;
  /** Use MongoDB/FerretDB when available. */
  mongo: boolean;
  /** Comma list of phases to run (http,paced,streams,many,big,charge,report); empty = all. */
  only: string[];
  /** Run the Tollgate children with --cpu-prof into bench/results/prof. */
  cpuProf: boolean;
  /** Keep the temp directory (logs, databases) after the run. */
  keep: boolean;
  /** Where the JSON results go, relative to the repository. */
  out: string;
}

const DEFAULTS: Settings = {
  seconds: 1,
  rounds: 8,
  warmupSeconds: 0.5,
  concurrency: 16,
  pacedRps: 200,
  streamSeconds: 3,
  streamGapMs: 20,
  streamChunks: 10,
  openStreams: 1000,
  holdSeconds: 8,
  bigMb: 100,
  chargeSeconds: 2,
  reportEvents: 1_000_000,
  mongoReportEvents: 0,
  quietWait: 0,
  quietBusy: 0.25,
  mongo: true,
  only: [],
  cpuProf: false,
  keep: false,
  out: 'bench/results/latest.json',
};

const QUICK: Partial<Settings> = { seconds: 1, rounds: 2, streamSeconds: 1, openStreams: 200, holdSeconds: 3, bigMb: 20, chargeSeconds: 0.5, reportEvents: 20_000 };

export function readSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const given = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('BENCH_') && v !== undefined) given.set(k.slice(6).toLowerCase().replaceAll('_', '-'), v);
  }
  let quick = false;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--no-')) given.set(arg.slice(5), 'false');
    else {
      const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
      if (!m) throw new Error(`bench: cannot read argument ${arg}`);
      given.set(m[1]!, m[2] ?? 'true');
    }
  }
  const out: Settings = { ...DEFAULTS, ...(quick ? QUICK : {}) };
  const record = out as unknown as Record<string, unknown>;
  for (const [name, raw] of given) {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in DEFAULTS)) {
      if (name === 'upstream-url' || name === 'db-path' || name === 'mongodb-uri' || name === 'mongodb-db' || name === 'users') continue; // child settings
      throw new Error(`bench: unknown setting ${name} (see bench/settings.ts)`);
    }
    const def = (DEFAULTS as unknown as Record<string, unknown>)[key];
    if (Array.isArray(def)) record[key] = raw.split(',').map((s) => s.trim()).filter(Boolean);
    else if (typeof def === 'boolean') record[key] = raw !== 'false' && raw !== '0';
    else if (typeof def === 'string') record[key] = raw;
    else {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new Error(`bench: ${name} must be a non-negative number, got ${raw}`);
      record[key] = n;
    }
  }
  return out;
}

export function wants(s: Settings, phase: string): boolean {
  return s.only.length === 0 || s.only.includes(phase);
}
