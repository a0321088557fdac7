import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { QuotaFields, type QuotaDraft } from '../components/quota-fields.ts';
import { parseLimitInput } from '../format.ts';
import { html } from '../html.ts';
import type { UserView } from '../types.ts';

export function NewUserForm({ api, onCreated, onCancel }: { api: Api; onCreated: (u: UserView) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [draft, setDraft] = useState<QuotaDraft>({ limit: '', period: 'month', enforce: true });
  const [limitError, setLimitError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const limit = parseLimitInput(draft.limit);
    setLimitError(limit.ok ? null : limit.message);
    if (!name.trim()) {
      setError('Enter a name.');
      return;
    }
    if (!limit.ok) return;
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.createUser(name.trim(), { limitUsd: limit.limitUsd, period: draft.period, enforce: draft.enforce }));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return html`<form id="new-user" class="card form-card" onSubmit=${submit} aria-labelledby="new-user-title" novalidate>
    <h2 id="new-user-title">New user</h2>
    <div class="field">
      <label for="new-user-name">Name</label>
      <input id="new-user-name" autocomplete="off" required maxlength="200" value=${name} autofocus
        onInput=${(e: Event) => setName((e.currentTarget as HTMLInputElement).value)} />
    </div>
    <${QuotaFields} idPrefix="new-user" draft=${draft} onChange=${setDraft} limitError=${limitError} />
    ${error && html`<p class="field-error" role="alert">${error}</p>`}
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Creating…' : 'Create user'}</button>
      <button type="button" class="btn" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}
