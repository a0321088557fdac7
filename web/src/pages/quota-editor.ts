import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { QuotaFields, type QuotaDraft } from '../components/quota-fields.ts';
import { nanoToDecimal, parseLimitInput } from '../format.ts';
import { html } from '../html.ts';
import type { UserView } from '../types.ts';

const draftOf = (u: UserView): QuotaDraft => ({
  limit: u.quota.limitNano === null ? '' : nanoToDecimal(u.quota.limitNano),
  period: u.quota.period,
  enforce: u.quota.enforce,
});

export function QuotaEditor({ api, user, onSaved }: { api: Api; user: UserView; onSaved: (u: UserView) => void }) {
  const [draft, setDraft] = useState(() => draftOf(user));
  const [limitError, setLimitError] = useState<string | null>(null);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(draftOf(user)), [user.quota.limitNano, user.quota.period, user.quota.enforce]);

  const saved = draftOf(user);
  const dirty = draft.limit.trim() !== saved.limit || draft.period !== saved.period || draft.enforce !== saved.enforce;

  async function submit(e: Event) {
    e.preventDefault();
    const limit = parseLimitInput(draft.limit);
    setLimitError(limit.ok ? null : limit.message);
    if (!limit.ok) return;
    setBusy(true);
    setStatus(null);
    try {
      const updated = await api.updateUser(user.id, { quota: { limitUsd: limit.limitUsd, period: draft.period, enforce: draft.enforce } });
      onSaved(updated);
      setStatus({ kind: 'ok', text: 'Quota saved.' });
    } catch (err) {
      setStatus({ kind: 'error', text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return html`<form onSubmit=${submit} novalidate aria-label="Quota">
    <${QuotaFields} idPrefix="quota" draft=${draft} onChange=${(d: QuotaDraft) => {
      setDraft(d);
      setStatus(null);
    }} limitError=${limitError} />
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled=${busy || !dirty}>${busy ? 'Saving…' : 'Save quota'}</button>
      ${dirty && html`<button type="button" class="btn" onClick=${() => { setDraft(saved); setLimitError(null); }}>Reset</button>`}
      <span class=${status?.kind === 'error' ? 'field-error' : 'ok-text'} role="status" aria-live="polite">${status?.text ?? ''}</span>
    </div>
  </form>`;
}
