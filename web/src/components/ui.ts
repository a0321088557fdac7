import type { ComponentChildren } from 'preact';
import { html } from '../html.ts';

export function ErrorNotice({ error, retry }: { error: Error | undefined; retry?: () => void }) {
  if (!error) return null;
  return html`<div class="notice notice-error" role="alert">
    <span>${error.message}</span>
    ${retry && html`<button type="button" class="btn btn-small" onClick=${retry}>Try again</button>`}
  </div>`;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}</p>`;
}

export function Stat({ label, value, note, testid }: { label: string; value: ComponentChildren; note?: ComponentChildren; testid?: string }) {
  return html`<div class="stat" data-testid=${testid}>
    <div class="stat-label">${label}</div>
    <div class="stat-value">${value}</div>
    ${note && html`<div class="stat-note">${note}</div>`}
  </div>`;
}

export function Section({ title, id, actions, children }: { title: string; id: string; actions?: ComponentChildren; children: ComponentChildren }) {
  return html`<section class="card" aria-labelledby=${id}>
    <div class="card-head">
      <h2 id=${id}>${title}</h2>
      ${actions && html`<div class="card-actions">${actions}</div>`}
    </div>
    ${children}
  </section>`;
}
