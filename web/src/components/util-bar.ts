import { formatPercent } from '../format.ts';
import { html } from '../html.ts';
import { LEVEL_LABEL, utilizationLevel } from '../quota.ts';
import type { UserView } from '../types.ts';

/**
 * The Quota Utilization cell: a bar coloured by level with the percentage beside it; "Off" when the
 * quota is not enforced (spend is still tracked), "No limit" without a limit.
 */
export function UtilBar({ user }: { user: UserView }) {
  const level = utilizationLevel(user);
  const pct = user.utilization;
  if (level === 'off') {
    return html`<div class="util" data-level="off">
      <span class="pill pill-off" title="Quota enforcement is off: spend is tracked, requests are never refused">Off</span>
      ${pct !== null && html`<span class="util-note">${formatPercent(pct)} of limit</span>`}
    </div>`;
  }
  if (level === 'none' || pct === null) {
    return html`<div class="util" data-level="none"><span class="util-note">No limit</span></div>`;
  }
  const width = Math.min(100, Math.max(0, pct));
  return html`<div class="util" data-level=${level}>
    <div
      class="util-track"
      role="meter"
      aria-label="Quota utilization"
      aria-valuemin="0"
      aria-valuemax="100"
      aria-valuenow=${width}
      aria-valuetext=${`${formatPercent(pct)}, ${LEVEL_LABEL[level]}`}
    >
      <div class="util-fill" style=${{ width: `${width}%` }}></div>
    </div>
    <span class="util-pct">${formatPercent(pct)}</span>
  </div>`;
}
