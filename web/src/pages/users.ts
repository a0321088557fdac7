import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { ErrorNotice, Loading } from '../components/ui.ts';
import { UtilBar } from '../components/util-bar.ts';
import { formatRelative, formatUsd, PERIOD_LABEL } from '../format.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { html } from '../html.ts';
import { defaultDir, searchUsers, sortUsers, type SortDir, type SortKey } from '../quota.ts';
import { navigate, paths } from '../router.ts';
import type { UserView } from '../types.ts';
import { NewUserForm } from './new-user.ts';

const COLUMNS: { key: SortKey; label: string; className?: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'limit', label: 'Quota' },
  { key: 'spend', label: 'Spend this period', className: 'num' },
  { key: 'utilization', label: 'Quota Utilization' },
];

const SORT_KEYS = new Set<string>(COLUMNS.map((c) => c.key));

/** Search and sort live in the query string, so reload, back and a shared link keep them. */
function readState(search: string): { q: string; sort: SortKey; dir: SortDir } {
  const p = new URLSearchParams(search);
  const sortParam = p.get('sort') ?? '';
  const sort: SortKey = SORT_KEYS.has(sortParam) ? (sortParam as SortKey) : 'name';
  const dirParam = p.get('dir');
  const dir: SortDir = dirParam === 'asc' || dirParam === 'desc' ? dirParam : defaultDir(sort);
  return { q: p.get('q') ?? '', sort, dir };
}

function writeState(s: { q: string; sort: SortKey; dir: SortDir }): void {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.sort !== 'name' || s.dir !== 'asc') {
    p.set('sort', s.sort);
    p.set('dir', s.dir);
  }
  const qs = p.toString();
  history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`);
}

function QuotaCell({ user, now }: { user: UserView; now: number }) {
  const { quota } = user;
  const period = PERIOD_LABEL[quota.period] ?? quota.period;
  return html`<div>
    <div>${quota.limitNano === null ? 'No limit' : formatUsd(quota.limitNano)} <span class="muted">/ ${period}</span></div>
    <div class="cell-note">${quota.period === 'lifetime' ? 'lifetime, never resets' : `resets ${formatRelative(user.periodEnd, now)}`}</div>
  </div>`;
}

export function UsersPage({ api, search }: { api: Api; search: string }) {
  useTitle('Users');
  const users = useLoad(() => api.listUsers(), [api]);
  const [state, setState] = useState(() => readState(search));
  const [creating, setCreating] = useState(false);
  useEffect(() => writeState(state), [state]);

  const rows = useMemo(() => sortUsers(searchUsers(users.data ?? [], state.q), state.sort, state.dir), [users.data, state]);
  const now = Date.now();

  function sortBy(key: SortKey) {
    setState((s) => ({ ...s, sort: key, dir: s.sort === key ? (s.dir === 'asc' ? 'desc' : 'asc') : defaultDir(key) }));
  }

  const total = users.data?.length ?? 0;
  return html`<main id="main" class="page">
    <div class="page-head">
      <h1 tabindex="-1">Users</h1>
      <div class="page-actions">
        <button type="button" class="btn" onClick=${users.reload} disabled=${users.loading}>Refresh</button>
        <button type="button" class="btn btn-primary" aria-expanded=${creating} aria-controls="new-user" onClick=${() => setCreating((c) => !c)}>New user</button>
      </div>
    </div>
    ${creating && html`<${NewUserForm} api=${api} onCancel=${() => setCreating(false)} onCreated=${(u: UserView) => navigate(paths.user(u.id))} />`}
    <div class="toolbar">
      <div class="search">
        <label for="user-search" class="sr-only">Search users</label>
        <input id="user-search" type="search" placeholder="Search by name or id" value=${state.q}
          onInput=${(e: Event) => {
            const q = (e.currentTarget as HTMLInputElement).value;
            setState((s) => ({ ...s, q }));
          }} />
      </div>
      <p class="muted" role="status" aria-live="polite">
        ${users.data ? (state.q ? `${rows.length} of ${total} users` : `${total} user${total === 1 ? '' : 's'}`) : ''}
      </p>
    </div>
    <${ErrorNotice} error=${users.error} retry=${users.reload} />
    ${!users.data && !users.error && html`<${Loading} label="Loading users…" />`}
    ${users.data && html`<div class="card card-flush">
      <table class="table users-table" data-testid="users-table">
        <caption class="sr-only">Users, sorted by ${COLUMNS.find((c) => c.key === state.sort)?.label} (${state.dir === 'asc' ? 'ascending' : 'descending'})</caption>
        <thead>
          <tr>
            ${COLUMNS.map((c) => {
              const active = state.sort === c.key;
              return html`<th scope="col" class=${c.className} aria-sort=${active ? (state.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                <button type="button" class="sort" data-active=${active} onClick=${() => sortBy(c.key)}>
                  ${c.label}<span class="sort-arrow" aria-hidden="true">${active ? (state.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
                </button>
              </th>`;
            })}
          </tr>
        </thead>
        <tbody>
          ${rows.map((u) => html`<tr key=${u.id} data-user=${u.name}>
            <td data-label="Name">
              <a class="user-link" href=${paths.user(u.id)}>${u.name}</a>
              ${u.disabled && html` <span class="pill pill-muted">Disabled</span>`}
            </td>
            <td data-label="Quota"><${QuotaCell} user=${u} now=${now} /></td>
            <td data-label="Spend this period" class="num" data-testid="spend">${formatUsd(u.spendNano)}</td>
            <td data-label="Quota Utilization" data-testid="utilization"><${UtilBar} user=${u} /></td>
          </tr>`)}
          ${rows.length === 0 && html`<tr><td colspan="4" class="empty">${total === 0 ? 'No users yet. Create one with “New user”.' : 'No user matches this search.'}</td></tr>`}
        </tbody>
      </table>
    </div>`}
  </main>`;
}
