import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, request, session } from '../api';
import { ErrorBox } from '../components/problem';

export interface WhoAmI {
  audience: 'admin' | 'publisher' | 'user';
  id: string;
  via: 'admin-token' | 'api-key' | 'jwt';
}

/**
 * Asks once for the admin token or an admin API key, checks it with GET /auth/whoami, and
 * keeps it in sessionStorage (this tab only, gone when it closes).
 */
export function SignIn({
  message,
  onSignedIn,
}: {
  message: string;
  onSignedIn: (who: WhoAmI) => void;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const who = await request<WhoAmI>('GET', '/auth/whoami', { token: token.trim() });
      if (who.audience !== 'admin')
        throw new ApiError(
          403,
          'Not an admin credential',
          `This is a ${who.audience} credential; the console needs the admin token or an admin API key.`,
        );
      session.signIn(token.trim());
      onSignedIn(who);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="sign-in">
    <h1>Integration Hub console</h1>
    ${message ? html`<p class="notice" role="status">${message}</p>` : ''}
    <form onSubmit=${submit}>
      <label for="token">Admin token or admin API key</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        required
        value=${token}
        onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)}
      />
      <p class="hint">Kept in this tab's session storage until you sign out or close the tab.</p>
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
    </form>
    <${ErrorBox} error=${error} />
  </main>`;
}
