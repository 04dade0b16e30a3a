// Administration of the organisation: users and their roles, API tokens, and the audit log.
import { useState } from 'preact/hooks';
import { get, request, ROLES, type Session, type Token, type User } from '../api';
import { ErrorBox, Loading, Section, Time, errorText, useAsync } from '../components/common';
import { label, t } from '../i18n';

function RoleSelect({ value, onChange, name, labelText }: { value: string; onChange: (r: string) => void; name: string; labelText: string }) {
  return (
    <select name={name} value={value} aria-label={labelText} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
      {ROLES.map((r) => <option value={r}>{label('role', r)}</option>)}
    </select>
  );
}

function Users({ session }: { session: Session }) {
  const users = useAsync(() => get<{ items: User[] }>('/api/v1/users'), []);
  const [error, setError] = useState('');
  const [created, setCreated] = useState<{ name: string; password?: string } | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('analyst');
  const change = async (u: User, body: Record<string, unknown>) => {
    setError('');
    try {
      await request('PATCH', `/api/v1/users/${encodeURIComponent(u.name)}`, body);
      users.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const r = await request<{ name: string; password?: string }>('POST', '/api/v1/users', { name, role });
      setCreated(r);
      setName('');
      users.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Section title={t('admin.users')} id="users">
      <ErrorBox error={users.error || error} />
      <Loading when={users.loading && !users.data} />
      <table class="data" data-testid="users-table">
        <thead><tr><th scope="col">{t('admin.name')}</th><th scope="col">{t('admin.role')}</th><th scope="col">{t('admin.state')}</th><th scope="col">{t('admin.created')}</th></tr></thead>
        <tbody>
          {(users.data?.items ?? []).map((u) => (
            <tr data-user={u.name}>
              <th scope="row">{u.name}{u.name === session.user && <span class="muted"> ({t('admin.you')})</span>}</th>
              <td><RoleSelect value={u.role} name={`role-${u.name}`} labelText={t('admin.roleOf', { name: u.name })} onChange={(r) => change(u, { role: r })} /></td>
              <td>
                <label class="inline">
                  <input type="checkbox" checked={!u.disabled} onChange={(e) => change(u, { disabled: !(e.target as HTMLInputElement).checked })} />
                  {u.disabled ? t('admin.disabled') : t('admin.enabled')}
                </label>
              </td>
              <td><Time iso={u.created_at} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form" onSubmit={create}>
        <h3>{t('admin.newUser')}</h3>
        <label>{t('admin.name')} <input required pattern="[A-Za-z0-9._@-]{1,64}" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <label>{t('admin.role')} <RoleSelect value={role} name="new-role" labelText={t('admin.role')} onChange={setRole} /></label>
        <button type="submit">{t('admin.create')}</button>
      </form>
      {created?.password && (
        <p class="notice" role="status">{t('admin.passwordOnce', { name: created.name })} <code data-testid="new-password">{created.password}</code></p>
      )}
    </Section>
  );
}

function Tokens() {
  const tokens = useAsync(() => get<{ items: Token[] }>('/api/v1/tokens'), []);
  const [error, setError] = useState('');
  const [role, setRole] = useState('reporter');
  const [labelText, setLabel] = useState('');
  const [created, setCreated] = useState('');
  const create = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const r = await request<{ token: string }>('POST', '/api/v1/tokens', { role, label: labelText });
      setCreated(r.token);
      setLabel('');
      tokens.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const revoke = async (tok: Token) => {
    if (!confirm(t('admin.revokeConfirm', { id: tok.id }))) return;
    try {
      await request('DELETE', `/api/v1/tokens/${tok.id}`);
      tokens.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Section title={t('admin.tokens')} id="tokens">
      <ErrorBox error={tokens.error || error} />
      <table class="data" data-testid="tokens-table">
        <thead><tr><th scope="col">#</th><th scope="col">{t('admin.role')}</th><th scope="col">{t('admin.label')}</th><th scope="col">{t('admin.created')}</th><th scope="col"><span class="visually-hidden">{t('admin.actions')}</span></th></tr></thead>
        <tbody>
          {(tokens.data?.items ?? []).map((k) => (
            <tr>
              <td>{k.id}</td><td>{label('role', k.role)}</td><td>{k.label}</td><td><Time iso={k.created_at} /></td>
              <td><button type="button" class="secondary danger" onClick={() => revoke(k)}>{t('admin.revoke')}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form" onSubmit={create}>
        <h3>{t('admin.newToken')}</h3>
        <label>{t('admin.role')} <RoleSelect value={role} name="token-role" labelText={t('admin.role')} onChange={setRole} /></label>
        <label>{t('admin.label')} <input maxLength={200} value={labelText} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">{t('admin.create')}</button>
      </form>
      {created && <p class="notice" role="status">{t('admin.tokenOnce')} <code data-testid="new-token">{created}</code></p>}
    </Section>
  );
}

function Audit() {
  const [before, setBefore] = useState<number | undefined>(undefined);
  const log = useAsync(() => get<{ items: { seq: number; at: string; actor: string; action: string; target: string; detail: string }[]; next_before: number | null }>(
    '/api/v1/audit', { limit: 50, before }), [before]);
  return (
    <Section title={t('admin.audit')} id="audit">
      <ErrorBox error={log.error} />
      <table class="data compact">
        <thead><tr><th scope="col">#</th><th scope="col">{t('admin.when')}</th><th scope="col">{t('admin.actor')}</th><th scope="col">{t('admin.action')}</th><th scope="col">{t('admin.target')}</th><th scope="col">{t('admin.detail')}</th></tr></thead>
        <tbody>
          {(log.data?.items ?? []).map((e) => (
            <tr><td>{e.seq}</td><td><Time iso={e.at} /></td><td>{e.actor}</td><td>{e.action}</td><td class="mono small url-cell">{e.target}</td><td class="small">{e.detail}</td></tr>
          ))}
        </tbody>
      </table>
      {log.data?.next_before && <button type="button" class="secondary" onClick={() => setBefore(log.data!.next_before!)}>{t('admin.older')}</button>}
    </Section>
  );
}

export function Admin({ session }: { session: Session }) {
  const manage = session.permissions.includes('manage users and tokens');
  const audit = session.permissions.includes('read the audit log');
  return (
    <section>
      <h1>{t('admin.title')}</h1>
      <p class="muted">{t('admin.intro', { org: session.organisation })}</p>
      {!manage && <p class="error">{t('error.forbidden')}</p>}
      {manage && <Users session={session} />}
      {manage && <Tokens />}
      {audit && <Audit />}
    </section>
  );
}
