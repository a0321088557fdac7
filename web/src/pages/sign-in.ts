import { useState } from 'preact/hooks';
import { ApiError, createApi } from '../api.ts';
import { useTitle } from '../hooks.ts';
import { html } from '../html.ts';

/**
 * Asks for an admin token and checks it with one API call before keeping it, so a typo is caught
 * here rather than on the next page.
 */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (token: string) => void; notice: string | null }) {
  useTitle('Sign in');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter an admin token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await createApi(t).listUsers();
      onSignedIn(t);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That admin token was not accepted.' : (err as Error).message);
      setBusy(false);
    }
  }

  return html`<main id="main" class="signin">
    <form class="card signin-card" onSubmit=${submit} aria-labelledby="signin-title" novalidate>
      <div class="brand brand-large" aria-hidden="true"><span class="brand-mark">T</span> Tollgate</div>
      <h1 id="signin-title">Sign in to the admin page</h1>
      ${notice && html`<p class="notice notice-info" role="status">${notice}</p>`}
      <div class="field">
        <label for="admin-token">Admin token</label>
        <input
          id="admin-token"
          name="token"
          type="password"
          autocomplete="current-password"
          spellcheck=${false}
          required
          autofocus
          value=${token}
          onInput=${(e: Event) => setToken((e.currentTarget as HTMLInputElement).value)}
          aria-describedby="admin-token-help${error ? ' admin-token-error' : ''}"
          aria-invalid=${error ? 'true' : undefined}
        />
        <p id="admin-token-help" class="help">One of the tokens in TOLLGATE_ADMIN_TOKENS. It is kept in this tab only, until you sign out or close it.</p>
        ${error && html`<p id="admin-token-error" class="field-error" role="alert">${error}</p>`}
      </div>
      <button class="btn btn-primary btn-block" type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}
