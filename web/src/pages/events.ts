import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { ErrorNotice, Loading } from '../components/ui.ts';
import { formatCount, formatDateTime, formatUsd } from '../format.ts';
import { html } from '../html.ts';
import type { EventView } from '../types.ts';

const PAGE = 25;

function EventRow({ e }: { e: EventView }) {
  const failed = e.status === 0 || e.status >= 400;
  return html`<tr data-request=${e.requestId}>
    <td data-label="Time" class="nowrap" title=${e.createdAt}>${formatDateTime(e.createdAt)}</td>
    <td data-label="Model">
      <div>${e.pricedModel}</div>
      <div class="cell-note">${e.endpoint}${e.stream ? ' · stream' : ''}</div>
    </td>
    <td data-label="Uncached" class="num" title="Input tokens at the full input rate">${formatCount(e.uncachedTokens)}</td>
    <td data-label="Cached" class="num" title="Input tokens read from the cache">${formatCount(e.cachedTokens)}</td>
    <td data-label="Output" class="num">
      <div>${formatCount(e.outputTokens)}</div>
      ${e.reasoningTokens > 0 && html`<div class="cell-note">${formatCount(e.reasoningTokens)} reasoning</div>`}
    </td>
    <td data-label="Cost" class="num">
      <div>${formatUsd(e.costNano)}</div>
      ${e.savedNano > 0 && html`<div class="cell-note saved">saved ${formatUsd(e.savedNano)}</div>`}
    </td>
    <td data-label="Status">
      <span class=${failed ? 'pill pill-crit' : 'pill pill-quiet'}>${e.status === 0 ? 'no answer' : e.status}</span>
      ${e.flags.map((f) => html` <span class="pill pill-muted">${f.replace('_', ' ')}</span>`)}
    </td>
  </tr>`;
}

/** The user's most recent requests, newest first, with "Load older" paging on the API's cursor. */
export function EventsSection({ api, userId, refreshKey }: { api: Api; userId: string; refreshKey: number }) {
  const [events, setEvents] = useState<EventView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function load(before: string | null) {
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.events(userId, PAGE, before);
      setEvents((prev) => (before && prev ? [...prev, ...page.events] : page.events));
      setNext(page.next);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    void load(null);
  }, [api, userId, refreshKey]);

  return html`<div>
    <${ErrorNotice} error=${error} retry=${() => load(null)} />
    ${events === null && !error && html`<${Loading} label="Loading requests…" />`}
    ${events && events.length === 0 && html`<p class="empty">No requests yet.</p>`}
    ${events && events.length > 0 && html`<div class="table-scroll" tabindex="0" role="region" aria-label="Recent requests">
      <table class="table table-compact events-table" data-testid="events-table">
        <thead><tr>
          <th scope="col">Time</th><th scope="col">Model</th>
          <th scope="col" class="num" title="Input tokens at the full input rate">Uncached</th><th scope="col" class="num" title="Input tokens read from the cache, at the cheaper rate">Cached</th><th scope="col" class="num">Output</th>
          <th scope="col" class="num">Cost</th><th scope="col">Status</th>
        </tr></thead>
        <tbody>${events.map((e) => html`<${EventRow} key=${e.requestId} e=${e} />`)}</tbody>
      </table>
    </div>`}
    ${next && html`<div class="form-actions"><button type="button" class="btn" disabled=${busy} onClick=${() => load(next)}>${busy ? 'Loading…' : 'Load older requests'}</button></div>`}
  </div>`;
}
