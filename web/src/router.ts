import { useEffect, useState } from 'preact/hooks';

/**
 * History-API routing under /admin/: the server answers every page path with index.html, so
 * links are real URLs that can be bookmarked, opened in a new tab and reloaded.
 */

export const BASE = '/admin';

export type Route =
  | { name: 'users' }
  | { name: 'user'; id: string }
  | { name: 'overview' }
  | { name: 'missing'; path: string };

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  if (path === '' || path === '/' || path === '/users' || path === '/users/') return { name: 'users' };
  if (path === '/overview' || path === '/overview/') return { name: 'overview' };
  const m = /^\/users\/([^/]+)\/?$/.exec(path);
  if (m?.[1]) return { name: 'user', id: decodeURIComponent(m[1]) };
  return { name: 'missing', path: pathname };
}

export const paths = {
  users: () => `${BASE}/`,
  user: (id: string) => `${BASE}/users/${encodeURIComponent(id)}`,
  overview: () => `${BASE}/overview`,
};

const EVENT = 'tollgate:navigate';

export function navigate(url: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(EVENT));
}

/** The current route; re-renders on back/forward and on navigate(). */
export function useLocation(): { route: Route; search: string; key: string } {
  const read = () => ({ route: parseRoute(location.pathname), search: location.search, key: location.pathname });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}

/**
 * Same-page navigation for plain <a href> links under /admin/, so they stay ordinary links for the
 * keyboard, middle-click and "open in new tab".
 */
export function interceptLinks(root: Document): void {
  root.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
    e.preventDefault();
    if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
  });
}
