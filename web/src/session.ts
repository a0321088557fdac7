/**
 * The admin token lives in sessionStorage: it survives reloads of the tab but not closing it, and
 * other tabs do not see it. It is never put in a URL or a cookie.
 */

const KEY = 'tollgate.adminToken';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: the page still works until reload
  }
}

export function setToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    /* see getToken */
  }
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* see getToken */
  }
}
