import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { SpendChart } from '../components/spend-chart.ts';
import { ErrorNotice, Loading, Section, Stat } from '../components/ui.ts';
import { dailyByModel } from '../data.ts';
import { lastDays } from '../daily.ts';
import { formatCompact, formatCount, formatPercent, formatUsd } from '../format.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { html } from '../html.ts';
import { paths } from '../router.ts';
import type { UsageRow } from '../types.ts';

const RANGES = [7, 30, 90] as const;

function share(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}

function ByModel({ rows, totalNano }: { rows: UsageRow[]; totalNano: number }) {
  if (rows.length === 0) return html`<p class="empty">No requests in this range.</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Spend by model">
    <table class="table table-compact" data-testid="by-model">
      <thead><tr>
        <th scope="col">Model</th><th scope="col" class="num">Requests</th><th scope="col" class="num" title="Input tokens at the full input rate">Uncached</th>
        <th scope="col" class="num">Cached</th><th scope="col" class="num">Output</th><th scope="col" class="num">Cost</th>
        <th scope="col" class="num">Caching saved</th><th scope="col">Share of spend</th>
      </tr></thead>
      <tbody>${rows.map((r) => {
        const pct = share(r.costNano, totalNano);
        return html`<tr key=${r.group}>
          <th scope="row">${r.group}</th>
          <td class="num">${formatCount(r.requests)}</td>
          <td class="num" title="Input tokens at the full rate">${formatCompact(r.uncachedTokens)}</td>
          <td class="num" title="Input tokens read from the cache">${formatCompact(r.cachedTokens)}</td>
          <td class="num">${formatCompact(r.outputTokens)}</td>
          <td class="num">${formatUsd(r.costNano)}</td>
          <td class="num saved">${formatUsd(r.savedNano)}</td>
          <td><div class="share"><div class="share-track" aria-hidden="true"><div class="share-fill" style=${{ width: `${pct}%` }}></div></div><span>${formatPercent(pct)}</span></div></td>
        </tr>`;
      })}</tbody>
    </table>
  </div>`;
}

export function OverviewPage({ api }: { api: Api }) {
  useTitle('Overview');
  const [days, setDays] = useState<number>(30);
  const range = lastDays(days, Date.now());
  const from = new Date(range.fromMs).toISOString();
  const report = useLoad(async () => {
    const [byModel, byUser, users] = await Promise.all([
      api.usage({ groupBy: 'model', from }),
      api.usage({ groupBy: 'user', from }),
      api.listUsers(),
    ]);
    return { byModel, byUser, names: new Map(users.map((u) => [u.id, u.name])) };
  }, [api, days]);
  const chart = useLoad(() => dailyByModel(api, days), [api, days]);

  const t = report.data?.byModel.totals;
  const cachedShare = t ? share(t.cachedTokens, t.inputTokens) : 0;
  // What the cached tokens would have cost at the full input rate: the spend plus what was saved.
  const savedShare = t ? share(t.savedNano, t.costNano + t.savedNano) : 0;

  return html`<main id="main" class="page">
    <div class="page-head">
      <h1 tabindex="-1">Overview</h1>
      <div class="page-actions">
        <label for="range" class="inline-label">Range</label>
        <select id="range" value=${String(days)} onChange=${(e: Event) => setDays(Number((e.currentTarget as HTMLSelectElement).value))}>
          ${RANGES.map((d) => html`<option value=${String(d)}>Last ${d} days</option>`)}
        </select>
      </div>
    </div>
    <${ErrorNotice} error=${report.error} retry=${report.reload} />
    ${!report.data && !report.error && html`<${Loading} label="Loading usage…" />`}
    ${report.data && t && html`
      <div class="stats" data-testid="overview-stats">
        <${Stat} testid="total-spend" label="Total spend" value=${formatUsd(t.costNano)} note=${`${formatCount(t.requests)} requests`} />
        <${Stat} testid="caching-saved" label="Caching saved" value=${html`<span class="saved">${formatUsd(t.savedNano)}</span>`} note=${`${formatPercent(savedShare)} off what it would have cost`} />
        <${Stat} label="Cached input" value=${formatPercent(cachedShare)} note=${`${formatCompact(t.cachedTokens)} of ${formatCompact(t.inputTokens)} input tokens`} />
        <${Stat} label="Output tokens" value=${formatCompact(t.outputTokens)} note=${`${formatCompact(t.reasoningTokens)} reasoning`} />
      </div>
      <${Section} title=${`Daily spend by model, last ${days} days (UTC)`} id="ov-chart-title">
        <${ErrorNotice} error=${chart.error} retry=${chart.reload} />
        ${chart.data ? html`<${SpendChart} stack=${chart.data} caption="Daily spend of all users by model" />` : !chart.error && html`<${Loading} label="Loading spend…" />`}
      </${Section}>
      <${Section} title="Spend by model" id="ov-models-title">
        <${ByModel} rows=${report.data.byModel.rows} totalNano=${t.costNano} />
      </${Section}>
      <${Section} title="Spend by user" id="ov-users-title">
        ${report.data.byUser.rows.length === 0
          ? html`<p class="empty">No requests in this range.</p>`
          : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Spend by user">
              <table class="table table-compact" data-testid="by-user">
                <thead><tr><th scope="col">User</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Caching saved</th></tr></thead>
                <tbody>${report.data.byUser.rows.slice(0, 20).map((r) => {
                  const name = report.data?.names.get(r.group);
                  return html`<tr key=${r.group}>
                    <th scope="row">${name ? html`<a href=${paths.user(r.group)}>${name}</a>` : html`<span class="muted" title="Deleted user">${r.group}</span>`}</th>
                    <td class="num">${formatCount(r.requests)}</td>
                    <td class="num">${formatUsd(r.costNano)}</td>
                    <td class="num saved">${formatUsd(r.savedNano)}</td>
                  </tr>`;
                })}</tbody>
              </table>
            </div>`}
      </${Section}>
    `}
  </main>`;
}
