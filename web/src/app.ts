import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApi } from './api.ts';
import { html } from './html.ts';
import { OverviewPage } from './pages/overview.ts';
import { SignIn } from './pages/sign-in.ts';
import { UserPage } from './pages/user.ts';
import { UsersPage } from './pages/users.ts';
import { paths, useLocation, type Route } from './router.ts';
import { clearToken, getToken, setToken } from './session.ts';

function NavLink({ href, current, children }: { href: string; current: boolean; children: string }) {
  return html`<a href=${href} class="nav-link" aria-current=${current ? 'page' : undefined}>${children}</a>`;
}

function Missing({ path }: { path: string }) {
  return html`<main id="main" class="page">
    <h1 tabindex="-1">Page not found</h1>
    <p>There is no admin page at <code>${path}</code>. <a href=${paths.users()}>Go to the users list</a>.</p>
  </main>`;
}

export function App() {
  const [token, setTokenState] = useState<string | null>(getToken);
  const [notice, setNotice] = useState<string | null>(null);
  const { route, search, key } = useLocation();

  const api = useMemo(
    () =>
      token === null
        ? null
        : createApi(token, () => {
            clearToken();
            setTokenState(null);
            setNotice('The admin token was refused. Sign in again.');
          }),
    [token],
  );

  // After in-page navigation, move focus to the new page's heading so keyboard and screen reader
  // users start at the top of what changed (not on the first load).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
  }, [key]);

  if (api === null) {
    return html`<${SignIn} notice=${notice} onSignedIn=${(t: string) => {
      setToken(t);
      setNotice(null);
      setTokenState(t);
    }} />`;
  }

  const signOut = () => {
    clearToken();
    setNotice('Signed out.');
    setTokenState(null);
  };
  const is = (name: Route['name']) => route.name === name;
  return html`
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <a class="brand" href=${paths.users()}><span class="brand-mark" aria-hidden="true">T</span> Tollgate <span class="brand-sub">admin</span></a>
      <nav class="nav" aria-label="Main">
        <${NavLink} href=${paths.users()} current=${is('users') || is('user')}>Users</${NavLink}>
        <${NavLink} href=${paths.overview()} current=${is('overview')}>Overview</${NavLink}>
      </nav>
      <button type="button" class="btn btn-ghost" onClick=${signOut}>Sign out</button>
    </header>
    ${route.name === 'users' && html`<${UsersPage} api=${api} search=${search} />`}
    ${route.name === 'user' && html`<${UserPage} key=${route.id} api=${api} id=${route.id} />`}
    ${route.name === 'overview' && html`<${OverviewPage} api=${api} />`}
    ${route.name === 'missing' && html`<${Missing} path=${route.path} />`}
  `;
}
