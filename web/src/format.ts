/**
 * Display formatting. Money arrives as integer nano-dollars; it is rounded for display with
 * integer arithmetic, so what the page shows is exactly what the API said, rounded once.
 */

const NANO_PER_CENT = 10_000_000;
const NANO_PER_USD = 1_000_000_000;

const groupThousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * "$1,234.50" for amounts of a cent or more; smaller non-zero amounts keep up to four significant
 * digits ("$0.000412") so a single cheap request does not read as free.
 */
export function formatUsd(nano: number): string {
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(nano);
  if (abs === 0) return '$0.00';
  if (abs >= NANO_PER_CENT) {
    const cents = Math.round(abs / NANO_PER_CENT);
    const whole = Math.floor(cents / 100);
    return `${sign}$${groupThousands(whole)}.${String(cents % 100).padStart(2, '0')}`;
  }
  // Below a cent: 9 decimals, cut to 4 significant digits, trailing zeros dropped.
  const digits = String(abs).padStart(9, '0');
  const firstNonZero = digits.search(/[1-9]/);
  const kept = digits.slice(0, Math.min(9, firstNonZero + 4)).replace(/0+$/, '');
  return `${sign}$0.${kept}`;
}

/** A limit as typed into the quota form: the exact decimal, without "$" or grouping. */
export function nanoToDecimal(nano: number): string {
  const frac = nano % NANO_PER_USD;
  const whole = (nano - frac) / NANO_PER_USD;
  const fracText = String(frac).padStart(9, '0').replace(/0+$/, '');
  return fracText === '' ? String(whole) : `${whole}.${fracText.length < 2 ? fracText.padEnd(2, '0') : fracText}`;
}

/** What the limit field accepts: a non-negative decimal with at most 9 decimals, or empty (no limit). */
export function parseLimitInput(text: string): { ok: true; limitUsd: string | null } | { ok: false; message: string } {
  const t = text.trim().replace(/^\$/, '').replaceAll(',', '');
  if (t === '') return { ok: true, limitUsd: null };
  if (!/^\d+(\.\d+)?$/.test(t)) return { ok: false, message: 'Enter an amount in dollars, like 25 or 12.50, or leave it empty for no limit.' };
  if ((t.split('.')[1] ?? '').length > 9) return { ok: false, message: 'At most 9 decimal places.' };
  return { ok: true, limitUsd: t };
}

export function formatPercent(pct: number): string {
  return `${pct.toFixed(1)}%`;
}

export function formatCount(n: number): string {
  return groupThousands(n);
}

/** "1.2M", "35.4k", "812": token counts in tight cells. */
export function formatCompact(n: number): string {
  if (n >= 1_000_000) return `${trimZero((n / 1_000_000).toFixed(1))}M`;
  if (n >= 10_000) return `${trimZero((n / 1_000).toFixed(1))}k`;
  return groupThousands(n);
}

const trimZero = (s: string) => s.replace(/\.0$/, '');

export const PERIOD_LABEL: Record<string, string> = { day: 'day', week: 'week', month: 'month', lifetime: 'lifetime' };

/** "Mar 4, 14:05" in the viewer's time zone; with the year when it is not this year. */
export function formatDateTime(iso: string | null, now = new Date()): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  const sameYear = d.getFullYear() === now.getFullYear();
  return d.toLocaleString('en-US', {
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
}

export function formatDate(iso: string | null): string {
  if (iso === null) return '—';
  return new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
}

/** "in 3 days", "in 5 hours", "in 12 minutes": when a period resets. */
export function formatRelative(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const ms = new Date(iso).getTime() - now;
  if (ms <= 0) return 'now';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `in ${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.round(ms / 86_400_000);
  return `in ${days} days`;
}
