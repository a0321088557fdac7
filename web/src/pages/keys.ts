import { useRef, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { ErrorNotice, Loading } from '../components/ui.ts';
import { formatDateTime } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { html } from '../html.ts';
import type { KeyView } from '../types.ts';

/** Copies with the Clipboard API where the page is a secure context, else by selecting the field. */
async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!field) return false;
    field.select();
    return document.execCommand('copy');
  }
}

function NewSecret({ secret, label, onDone }: { secret: string; label: string; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  return html`<div class="secret" role="region" aria-labelledby="secret-title" data-testid="new-secret">
    <h3 id="secret-title">New key${label ? ` “${label}”` : ''}</h3>
    <p>Copy it now. Tollgate keeps only a hash of it, so <strong>it will not be shown again</strong>.</p>
    <div class="secret-row">
      <label for="new-secret" class="sr-only">New API key</label>
      <input id="new-secret" ref=${field} class="mono" readonly value=${secret} onFocus=${(e: Event) => (e.currentTarget as HTMLInputElement).select()} />
      <button type="button" class="btn btn-primary" onClick=${async () => setCopied(await copyText(secret, field.current))}>Copy</button>
    </div>
    <p class="secret-status" role="status" aria-live="polite">${copied === true ? 'Copied to the clipboard.' : copied === false ? 'Copy failed: select the key and copy it by hand.' : ''}</p>
    <button type="button" class="btn" onClick=${onDone}>I have copied it</button>
  </div>`;
}

function KeyRow({ k, onRevoke }: { k: KeyView; onRevoke: (k: KeyView) => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  return html`<tr data-key=${k.id} class=${k.revokedAt ? 'revoked' : ''}>
    <td data-label="Label">${k.label || html`<span class="muted">—</span>`}</td>
    <td data-label="Key"><code>${k.prefix}…</code></td>
    <td data-label="Created">${formatDateTime(k.createdAt)}</td>
    <td data-label="Last used">${k.lastUsedAt ? formatDateTime(k.lastUsedAt) : html`<span class="muted">never</span>`}</td>
    <td data-label="Status">
      ${k.revokedAt ? html`<span class="pill pill-muted" title=${`Revoked ${formatDateTime(k.revokedAt)}`}>Revoked</span>` : html`<span class="pill pill-ok">Active</span>`}
    </td>
    <td class="actions">
      ${!k.revokedAt && !confirming && html`<button type="button" class="btn btn-small btn-danger-quiet" onClick=${() => setConfirming(true)} aria-label=${`Revoke key ${k.label || k.prefix}`}>Revoke</button>`}
      ${!k.revokedAt && confirming && html`<span class="confirm">
        <button type="button" class="btn btn-small btn-danger" disabled=${busy} autofocus
          onClick=${async () => { setBusy(true); await onRevoke(k); setBusy(false); setConfirming(false); }}>Revoke now</button>
        <button type="button" class="btn btn-small" onClick=${() => setConfirming(false)}>Cancel</button>
      </span>`}
    </td>
  </tr>`;
}

export function KeysSection({ api, userId }: { api: Api; userId: string }) {
  const keys = useLoad(() => api.listKeys(userId), [api, userId]);
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<{ secret: string; label: string } | null>(null);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.createKey(userId, label.trim());
      setCreated({ secret: res.secret, label: res.key.label });
      setLabel('');
      keys.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(k: KeyView) {
    try {
      await api.revokeKey(k.id);
      keys.reload();
    } catch (err) {
      setError(err as Error);
    }
  }

  const list = keys.data ?? [];
  return html`<div class="keys">
    ${created && html`<${NewSecret} secret=${created.secret} label=${created.label} onDone=${() => setCreated(null)} />`}
    <form class="inline-form" onSubmit=${create}>
      <div class="field field-grow">
        <label for="key-label">Label for a new key</label>
        <input id="key-label" maxlength="200" placeholder="e.g. laptop, CI" value=${label} autocomplete="off"
          onInput=${(e: Event) => setLabel((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Creating…' : 'Create key'}</button>
    </form>
    <${ErrorNotice} error=${error ?? keys.error} />
    ${!keys.data && !keys.error && html`<${Loading} label="Loading keys…" />`}
    ${keys.data && (list.length === 0
      ? html`<p class="empty">No keys yet.</p>`
      : html`<table class="table table-compact keys-table" data-testid="keys-table">
          <thead><tr><th scope="col">Label</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${list.map((k) => html`<${KeyRow} key=${k.id} k=${k} onRevoke=${revoke} />`)}</tbody>
        </table>`)}
  </div>`;
}
