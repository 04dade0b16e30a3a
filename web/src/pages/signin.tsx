import { useState } from 'preact/hooks';
import { ApiError, request, type Session } from '../api';
import { t } from '../i18n';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await request('POST', '/api/v1/session', { user, password });
      onSignedIn(await request<Session>('GET', '/api/v1/session'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('signin.wrong'));
      else if (err instanceof ApiError && err.status === 429) setError(t('signin.throttled'));
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>{t('signin.title')}</h1>
      <p class="muted">{t('signin.intro')}</p>
      <form onSubmit={submit}>
        <label>
          {t('signin.user')}
          <input name="user" autocomplete="username" required value={user}
            onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('signin.password')}
          <input name="password" type="password" autocomplete="current-password" required value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{t('signin.submit')}</button>
      </form>
    </main>
  );
}
