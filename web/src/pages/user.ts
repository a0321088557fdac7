import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { SpendChart } from '../components/spend-chart.ts';
import { ErrorNotice, Loading, Section, Stat } from '../components/ui.ts';
import { UtilBar } from '../components/util-bar.ts';
import { dailyByModel } from '../data.ts';
import { formatDateTime, formatRelative, formatUsd, PERIOD_LABEL } from '../format.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { html } from '../html.ts';
import { navigate, paths } from '../router.ts';
import type { UserView } from '../types.ts';
import { EventsSection } from './events.ts';
import { KeysSection } from './keys.ts';
import { QuotaEditor } from './quota-editor.ts';

const CHART_DAYS = 30;

function Summary({ user }: { user: UserView }) {
  const period = PERIOD_LABEL[user.quota.period] ?? user.quota.period;
  return html`<div class="stats" data-testid="user-summary">
    <${Stat} label="Spend this period" value=${formatUsd(user.spendNano)} note=${`since ${formatDateTime(user.periodStart)}`} />
    <${Stat} label="Limit" value=${user.quota.limitNano === null ? 'No limit' : formatUsd(user.quota.limitNano)} note=${`per ${period}${user.quota.enforce ? '' : ', not enforced'}`} />
    <${Stat} label="Remaining" value=${user.remainingNano === null ? '—' : formatUsd(user.remainingNano)} note=${user.quota.period === 'lifetime' ? 'never resets' : `resets ${formatRelative(user.periodEnd, Date.now())}`} />
    <${Stat} label="Quota Utilization" value=${html`<${UtilBar} user=${user} />`} />
  </div>`;
}

function DangerZone({ api, user, onChanged }: { api: Api; user: UserView; onChanged: (u: UserView) => void }) {
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return html`<div class="danger">
    <div class="danger-row">
      <div>
        <strong>${user.disabled ? 'Enable this user' : 'Disable this user'}</strong>
        <p class="help">${user.disabled ? 'Their keys work again.' : 'Their keys are refused with 403 until the user is enabled again.'}</p>
      </div>
      <button type="button" class="btn" disabled=${busy}
        onClick=${() => run(async () => onChanged(await api.updateUser(user.id, { disabled: !user.disabled })))}>${user.disabled ? 'Enable' : 'Disable'}</button>
    </div>
    <div class="danger-row">
      <div>
        <strong>Delete this user</strong>
        <p class="help">Removes the user and their keys. Their usage stays in the reports.</p>
      </div>
      ${confirmDelete
        ? html`<span class="confirm">
            <button type="button" class="btn btn-danger" disabled=${busy} autofocus
              onClick=${() => run(async () => { await api.deleteUser(user.id); navigate(paths.users()); })}>Delete ${user.name}</button>
            <button type="button" class="btn" onClick=${() => setConfirmDelete(false)}>Cancel</button>
          </span>`
        : html`<button type="button" class="btn btn-danger-quiet" onClick=${() => setConfirmDelete(true)}>Delete…</button>`}
    </div>
    <${ErrorNotice} error=${error} />
  </div>`;
}

export function UserPage({ api, id }: { api: Api; id: string }) {
  const loaded = useLoad(() => api.getUser(id), [api, id]);
  const [user, setUser] = useState<UserView | undefined>(undefined);
  const [refreshKey, setRefreshKey] = useState(0);
  useEffect(() => setUser(loaded.data), [loaded.data]);
  const chart = useLoad(() => dailyByModel(api, CHART_DAYS, id), [api, id, refreshKey]);
  useTitle(user?.name ?? 'User');

  function refresh() {
    loaded.reload();
    setRefreshKey((k) => k + 1);
  }

  return html`<main id="main" class="page">
    <nav class="crumbs" aria-label="Breadcrumb"><a href=${paths.users()}>Users</a> <span aria-hidden="true">/</span></nav>
    <div class="page-head">
      <h1 tabindex="-1">
        ${user?.name ?? (loaded.error ? 'User' : '…')}
        ${user?.disabled && html` <span class="pill pill-muted">Disabled</span>`}
        ${user?.exhausted && user.quota.enforce && html` <span class="pill pill-crit">Quota used up</span>`}
      </h1>
      ${user && html`<div class="page-actions">
        <span class="muted mono small">${user.id}</span>
        <button type="button" class="btn" onClick=${refresh} disabled=${loaded.loading}>Refresh</button>
      </div>`}
    </div>
    <${ErrorNotice} error=${loaded.error} retry=${loaded.reload} />
    ${!user && !loaded.error && html`<${Loading} label="Loading user…" />`}
    ${user && html`
      <${Summary} user=${user} />
      <div class="grid-2">
        <${Section} title="Quota" id="quota-title">
          <${QuotaEditor} api=${api} user=${user} onSaved=${setUser} />
        </${Section}>
        <${Section} title="API keys" id="keys-title">
          <${KeysSection} api=${api} userId=${user.id} />
        </${Section}>
      </div>
      <${Section} title=${`Daily spend by model, last ${CHART_DAYS} days (UTC)`} id="chart-title">
        <${ErrorNotice} error=${chart.error} retry=${chart.reload} />
        ${chart.data ? html`<${SpendChart} stack=${chart.data} caption=${`Daily spend of ${user.name} by model`} />` : !chart.error && html`<${Loading} label="Loading spend…" />`}
      </${Section}>
      <${Section} title="Recent requests" id="events-title">
        <${EventsSection} api=${api} userId=${user.id} refreshKey=${refreshKey} />
      </${Section}>
      <${Section} title="Access" id="danger-title">
        <${DangerZone} api=${api} user=${user} onChanged=${setUser} />
      </${Section}>
    `}
  </main>`;
}
