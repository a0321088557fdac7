import type { Summary } from './load.ts';

/** Output: fixed-width tables for the terminal, and the issue-6 targets judged from the results. */

export const r2 = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : null);
export const r3 = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null);
export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

export function latency(s: Summary) {
  return { n: s.n, mean: r3(s.mean), p50: r3(s.p50), p90: r3(s.p90), p99: r3(s.p99), max: r3(s.max) };
}

export function table(title: string, head: string[], rows: (string | number | null)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === null ? '-' : typeof c === 'number' ? fmt(c) : c)))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
  return [`\n${title}`, line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map((r) => line(r as string[]))].join('\n');
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Number.isInteger(n)) return n.toLocaleString('en');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

export interface TargetCheck {
  target: string;
  limit: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export function check(target: string, limit: string, measured: string, met: boolean | null, note?: string): TargetCheck {
  return note === undefined ? { target, limit, measured, met } : { target, limit, measured, met, note };
}

export function targetsTable(checks: TargetCheck[]): string {
  return table(
    'Targets (issue 6)',
    ['target', 'limit', 'measured', 'met'],
    checks.map((c) => [c.target, c.limit, c.measured, c.met === null ? 'n/a' : c.met ? 'yes' : 'NO']),
  );
}

/**
 * "Memory flat": RSS does not grow with the bytes streamed. Compares the highest RSS while the
 * second half of the body passed with the highest while the first half did (sampled by bytes
 * received, so the speed of the transfer does not matter). Memory proportional to the body would
 * put the second half ~50 MB above the first for 100 MB; heap sizing settles in the first half.
 */
export function flatness(byTenth: number[]): { firstHalfPeak: number; secondHalfPeak: number; growth: number } {
  const firstHalfPeak = Math.max(...byTenth.slice(0, 5));
  const secondHalfPeak = Math.max(...byTenth.slice(5));
  return { firstHalfPeak, secondHalfPeak, growth: secondHalfPeak - firstHalfPeak };
}
