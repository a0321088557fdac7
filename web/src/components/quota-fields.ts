import { html } from '../html.ts';
import type { Period } from '../types.ts';

export interface QuotaDraft {
  limit: string;
  period: Period;
  enforce: boolean;
}

const PERIODS: { value: Period; label: string }[] = [
  { value: 'day', label: 'Per day (UTC)' },
  { value: 'week', label: 'Per week (from Monday, UTC)' },
  { value: 'month', label: 'Per month (UTC)' },
  { value: 'lifetime', label: 'Lifetime (never resets)' },
];

/** The three quota controls, shared by the new-user form and the user page. */
export function QuotaFields({ idPrefix, draft, onChange, limitError }: { idPrefix: string; draft: QuotaDraft; onChange: (d: QuotaDraft) => void; limitError: string | null }) {
  const id = (s: string) => `${idPrefix}-${s}`;
  return html`<div class="quota-fields">
    <div class="field">
      <label for=${id('limit')}>Limit (USD)</label>
      <div class="input-prefix">
        <span aria-hidden="true">$</span>
        <input id=${id('limit')} inputmode="decimal" autocomplete="off" placeholder="No limit" value=${draft.limit}
          aria-describedby=${`${id('limit-help')}${limitError ? ` ${id('limit-error')}` : ''}`}
          aria-invalid=${limitError ? 'true' : undefined}
          onInput=${(e: Event) => onChange({ ...draft, limit: (e.currentTarget as HTMLInputElement).value })} />
      </div>
      <p id=${id('limit-help')} class="help">Leave empty for no limit.</p>
      ${limitError && html`<p id=${id('limit-error')} class="field-error" role="alert">${limitError}</p>`}
    </div>
    <div class="field">
      <label for=${id('period')}>Period</label>
      <select id=${id('period')} value=${draft.period} onChange=${(e: Event) => onChange({ ...draft, period: (e.currentTarget as HTMLSelectElement).value as Period })}>
        ${PERIODS.map((p) => html`<option value=${p.value}>${p.label}</option>`)}
      </select>
    </div>
    <div class="field field-check">
      <input id=${id('enforce')} type="checkbox" checked=${draft.enforce} aria-describedby=${id('enforce-help')}
        onChange=${(e: Event) => onChange({ ...draft, enforce: (e.currentTarget as HTMLInputElement).checked })} />
      <label for=${id('enforce')}>Enforce the limit</label>
      <p id=${id('enforce-help')} class="help">When off, spend is still tracked but requests are never refused.</p>
    </div>
  </div>`;
}
