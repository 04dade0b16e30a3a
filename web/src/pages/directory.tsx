// The network's directory: organisations with their kind, country and membership (filters in the
// URL), each with its contacts (LAP A.1, A.2, B.1), resource lists (B.2) and, for companies, the
// answers of LAP B.4. An organisation edits its own entry and adds its contacts and resources.
import { useEffect, useState } from 'preact/hooks';
import { can, get, PERM, request, type Session } from '../api';
import { B4_FIELDS, COMPETENCES, CONTACT_ROLES, MEMBERSHIPS, ORG_KINDS, SECTORS, type Contact, type Profile, type Resource } from '../coop';
import { Country, ErrorBox, Loading, Section, useAsync } from '../components/common';
import { Filters, ListState } from '../components/lists';
import { Checkboxes, useAction } from '../components/form';
import { OrgLink, SafeLink, TlpBadge } from '../components/coop';
import { label, t, tn, type Key } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

const FILTERS = ['q', 'kind', 'country', 'membership'] as const;

function splitList(v: string): string[] {
  return v.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);
}

function input(e: Event) {
  return (e.target as HTMLInputElement).value;
}

export function Directory({ query }: { query: URLSearchParams }) {
  const filters: Record<string, string> = {};
  for (const k of FILTERS) if (query.get(k)) filters[k] = query.get(k)!;
  const key = JSON.stringify(filters);
  const list = useAsync(() => get<{ items: Profile[] }>('/api/v1/organisations', filters), [key]);
  useEffect(() => {
    if (list.data) markReady('directory');
  }, [list.data]);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const p = new URLSearchParams();
    for (const k of FILTERS) {
      const v = String(form.get(k) ?? '').trim();
      if (v) p.set(k, k === 'country' ? v.toUpperCase() : v);
    }
    navigate(`/directory${p.size ? '?' + p : ''}`);
  };
  const exportQuery = new URLSearchParams();
  for (const k of ['q', 'kind', 'country'] as const) if (filters[k]) exportQuery.set(k, filters[k]);
  const exportHref = (format: string) => {
    const p = new URLSearchParams(exportQuery);
    p.set('format', format);
    return `/api/v1/directory/export?${p}`;
  };
  const items = list.data?.items ?? [];
  return (
    <section>
      <h1>{t('directory.title')}</h1>
      <p class="muted">{t('directory.intro')}</p>
      <Filters label={t('directory.filters')} onSubmit={submit} clear="/directory" key={key}>
        <label class="grow">
          {t('inbox.search')}
          <input type="search" name="q" value={filters.q ?? ''} placeholder={t('directory.searchPlaceholder')} />
        </label>
        <label>
          {t('directory.kind')}
          <select name="kind" value={filters.kind ?? ''}>
            <option value="">{t('common.any')}</option>
            {ORG_KINDS.map((k) => <option value={k}>{label('orgKind', k)}</option>)}
          </select>
        </label>
        <label>
          {t('field.country')}
          <input name="country" size={3} maxLength={2} pattern="[A-Za-z]{2}" value={filters.country ?? ''} placeholder="FR" />
        </label>
        <label>
          {t('directory.membership')}
          <select name="membership" value={filters.membership ?? ''}>
            <option value="">{t('common.any')}</option>
            {MEMBERSHIPS.map((k) => <option value={k}>{label('membership', k)}</option>)}
          </select>
        </label>
      </Filters>
      <p class="toolbar">
        <a class="button secondary" href={exportHref('csv')} download data-testid="export-csv">{t('directory.exportCsv')}</a>
        <a class="button secondary" href={exportHref('vcard')} download data-testid="export-vcard">{t('directory.exportVcard')}</a>
        <a href="/groups">{t('nav.groups')}</a>
      </p>
      <ListState list={list} count={items.length} empty={t('directory.empty')}>
        <div class="table-wrap">
          <table class="data" data-testid="directory-table">
            <caption class="visually-hidden">{t('directory.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('directory.organisation')}</th>
                <th scope="col">{t('directory.kind')}</th>
                <th scope="col">{t('field.country')}</th>
                <th scope="col">{t('directory.competences')}</th>
                <th scope="col">{t('directory.membership')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr data-org={o.name}>
                  <td><OrgLink name={o.name} />{o.display_name && <span class="muted"> · {o.display_name}</span>}</td>
                  <td>{label('orgKind', o.kind)}</td>
                  <td><Country code={o.country} /></td>
                  <td>{o.kind === 'partner' ? (o.sector ? label('sector', o.sector) : '—') :
                    (o.competences ?? []).map((c) => label('competence', c)).join(', ') || '—'}</td>
                  <td><span class={`badge ${o.membership === 'member' ? 'ok' : 'warn'}`}>{label('membership', o.membership)}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ListState>
    </section>
  );
}

function ContactForm({ onDone }: { onDone: () => void }) {
  const [f, setF] = useState({ name: '', role: 'point-of-contact', email: '', phone: '', languages: '', encryption_key: '' });
  const { error, run } = useAction({ busy: false });
  const submit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name: f.name.trim(), role: f.role };
    if (f.email.trim()) body.email = f.email.trim();
    if (f.phone.trim()) body.phone = f.phone.trim();
    if (f.languages.trim()) body.languages = splitList(f.languages);
    if (f.encryption_key.trim()) body.encryption_key = f.encryption_key.trim();
    void run(async () => {
      await request('POST', '/api/v1/contacts', body);
      setF({ name: '', role: f.role, email: '', phone: '', languages: '', encryption_key: '' });
      onDone();
    });
  };
  return (
    <form class="stack-form" onSubmit={submit} data-testid="contact-form">
      <h3>{t('directory.newContact')}</h3>
      <div class="form-row">
        <label>{t('contact.name')} <input required value={f.name} onInput={(e) => setF({ ...f, name: input(e) })} /></label>
        <label>
          {t('contact.role')}
          <select value={f.role} onChange={(e) => setF({ ...f, role: input(e) })}>
            {CONTACT_ROLES.map((r) => <option value={r}>{label('contactRole', r)}</option>)}
          </select>
        </label>
        <label>{t('contact.email')} <input type="email" value={f.email} onInput={(e) => setF({ ...f, email: input(e) })} /></label>
        <label>{t('contact.phone')} <input type="tel" value={f.phone} onInput={(e) => setF({ ...f, phone: input(e) })} /></label>
        <label>{t('contact.languages')} <input value={f.languages} placeholder="fr, en" onInput={(e) => setF({ ...f, languages: input(e) })} /></label>
      </div>
      <label class="block">{t('contact.key')}
        <textarea rows={3} value={f.encryption_key} onInput={(e) => setF({ ...f, encryption_key: input(e) })} />
      </label>
      <p class="muted small">{label('contactRoleHelp', f.role)}</p>
      <ErrorBox error={error} />
      <button type="submit">{t('directory.addContact')}</button>
    </form>
  );
}

function ResourceForm({ onDone }: { onDone: () => void }) {
  const [f, setF] = useState({ title: '', sector: 'isps', url: '', description: '' });
  const { error, run } = useAction({ busy: false });
  const submit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { title: f.title.trim(), sector: f.sector };
    if (f.url.trim()) body.url = f.url.trim();
    if (f.description.trim()) body.description = f.description.trim();
    void run(async () => {
      await request('POST', '/api/v1/resources', body);
      setF({ title: '', sector: f.sector, url: '', description: '' });
      onDone();
    });
  };
  return (
    <form class="stack-form" onSubmit={submit} data-testid="resource-form">
      <h3>{t('directory.newResource')}</h3>
      <div class="form-row">
        <label>{t('resource.title')} <input required value={f.title} onInput={(e) => setF({ ...f, title: input(e) })} /></label>
        <label>
          {t('resource.sector')}
          <select value={f.sector} onChange={(e) => setF({ ...f, sector: input(e) })}>
            {SECTORS.map((s) => <option value={s}>{label('sector', s)}</option>)}
          </select>
        </label>
        <label>{t('resource.url')} <input type="url" value={f.url} onInput={(e) => setF({ ...f, url: input(e) })} /></label>
      </div>
      <label class="block">{t('resource.description')}
        <textarea rows={2} value={f.description} onInput={(e) => setF({ ...f, description: input(e) })} />
      </label>
      <ErrorBox error={error} />
      <button type="submit">{t('directory.addResource')}</button>
    </form>
  );
}

function EntryForm({ profile, onDone }: { profile: Profile; onDone: () => void }) {
  const [f, setF] = useState({
    display_name: profile.display_name ?? '', website: profile.website ?? '', country: profile.country ?? '',
    languages: (profile.languages ?? []).join(', '), sector: profile.sector ?? '',
    competences: profile.competences ?? [], b4: { ...(profile.b4 ?? {}) } as Record<string, string>,
  });
  const { error, run } = useAction({ busy: false });
  const partner = profile.kind === 'partner';
  const submit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      display_name: f.display_name.trim(), website: f.website.trim(), country: f.country.trim().toUpperCase(),
      languages: splitList(f.languages),
    };
    if (partner) {
      if (f.sector) body.sector = f.sector;
      body.b4 = Object.fromEntries(B4_FIELDS.map((k) => [k, (f.b4[k] ?? '').trim()]));
    } else {
      body.competences = f.competences;
    }
    void run(async () => {
      await request('PUT', `/api/v1/organisations/${encodeURIComponent(profile.name)}`, body);
      onDone();
    });
  };
  return (
    <form class="stack-form" onSubmit={submit} data-testid="entry-form">
      <div class="form-row">
        <label>{t('directory.displayName')} <input value={f.display_name} onInput={(e) => setF({ ...f, display_name: input(e) })} /></label>
        <label>{t('directory.website')} <input type="url" value={f.website} onInput={(e) => setF({ ...f, website: input(e) })} /></label>
        <label>{t('field.country')} <input size={3} maxLength={2} pattern="[A-Za-z]{2}" value={f.country} onInput={(e) => setF({ ...f, country: input(e) })} /></label>
        <label>{t('contact.languages')} <input value={f.languages} placeholder="fr, en" onInput={(e) => setF({ ...f, languages: input(e) })} /></label>
        {partner && (
          <label>
            {t('resource.sector')}
            <select value={f.sector} onChange={(e) => setF({ ...f, sector: input(e) })}>
              <option value="">—</option>
              {SECTORS.map((s) => <option value={s}>{label('sector', s)}</option>)}
            </select>
          </label>
        )}
      </div>
      {!partner && (
        <Checkboxes legend={t('directory.competences')} values={COMPETENCES} checked={f.competences}
          onChange={(competences) => setF({ ...f, competences })} label={(c) => label('competence', c)} />
      )}
      {partner && (
        <fieldset class="choices column">
          <legend>{t('directory.b4')}</legend>
          {B4_FIELDS.map((k) => (
            <label class="block">{t(`b4.${k}` as Key)}
              <textarea rows={2} value={f.b4[k] ?? ''} onInput={(e) => setF({ ...f, b4: { ...f.b4, [k]: input(e) } })} />
            </label>
          ))}
        </fieldset>
      )}
      <ErrorBox error={error} />
      <button type="submit">{t('common.save')}</button>
    </form>
  );
}

export function OrganisationPage({ name, session }: { name: string; session: Session }) {
  const org = useAsync(() => get<Profile>(`/api/v1/organisations/${encodeURIComponent(name)}`), [name]);
  const [editing, setEditing] = useState(false);
  const { error, run } = useAction({ busy: false });
  const p = org.data;
  const own = name === session.organisation;
  const manage = own && can(session, PERM.manageDirectory);
  useEffect(() => {
    if (p) markReady('organisation');
  }, [p]);
  const remove = (type: 'contacts' | 'resources', id: number) => run(async () => {
    await request('PATCH', `/api/v1/${type}/${id}`, { status: 'removed' });
    org.reload();
  });
  return (
    <article>
      <p class="crumbs"><a href="/directory">{t('directory.title')}</a></p>
      <h1>{p?.display_name || name} {p?.display_name && <span class="muted small">({name})</span>}</h1>
      <ErrorBox error={org.error || error} />
      <Loading when={org.loading && !p} />
      {p && (
        <>
          <dl class="facts inline" data-testid="org-facts">
            <dt>{t('directory.kind')}</dt><dd>{label('orgKind', p.kind)}</dd>
            <dt>{t('field.country')}</dt><dd><Country code={p.country} /></dd>
            <dt>{t('directory.membership')}</dt><dd>{label('membership', p.membership)}</dd>
            <dt>{p.kind === 'partner' ? t('resource.sector') : t('directory.competences')}</dt>
            <dd>{p.kind === 'partner' ? (p.sector ? label('sector', p.sector) : '—') :
              (p.competences ?? []).map((c) => label('competence', c)).join(', ') || '—'}</dd>
            <dt>{t('directory.website')}</dt><dd><SafeLink url={p.website} /></dd>
            <dt>{t('contact.languages')}</dt><dd>{(p.languages ?? []).join(', ') || '—'}</dd>
          </dl>
          {manage && !editing && <p><button type="button" class="secondary" onClick={() => setEditing(true)} data-testid="edit-entry">{t('directory.editEntry')}</button></p>}
          {!own && (
            <p><a class="button secondary" href={`/messages?new=1&to=${encodeURIComponent(name)}`} data-testid="write-message">{t('directory.writeMessage')}</a></p>
          )}
          {manage && editing && (
            <Section title={t('directory.editEntry')} id="entry">
              <EntryForm profile={p} onDone={() => {
                setEditing(false);
                org.reload();
              }} />
            </Section>
          )}
          <Section title={t('directory.contacts')} id="contacts">
            {(p.contacts ?? []).length === 0 ? <p class="empty">{t('directory.noContacts')}</p> : (
              <table class="data" data-testid="contacts-table">
                <thead>
                  <tr>
                    <th scope="col">{t('contact.name')}</th><th scope="col">{t('contact.role')}</th>
                    <th scope="col">{t('contact.email')}</th><th scope="col">{t('contact.phone')}</th>
                    <th scope="col">{t('contact.languages')}</th><th scope="col">{t('contact.key')}</th>
                    <th scope="col">{t('marking.tlp')}</th>
                    {manage && <th scope="col"><span class="visually-hidden">{t('admin.actions')}</span></th>}
                  </tr>
                </thead>
                <tbody>
                  {(p.contacts ?? []).map((c: Contact) => (
                    <tr data-contact={c.id}>
                      <th scope="row">{c.name}</th>
                      <td><span title={label('contactRoleHelp', c.role)}>{label('contactRole', c.role)}</span></td>
                      <td>{c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : '—'}</td>
                      <td>{c.phone ?? '—'}</td>
                      <td>{(c.languages ?? []).join(', ') || '—'}</td>
                      <td>{c.encryption_key ? <details><summary>{t('contact.keyShown')}</summary><pre class="raw-line small">{c.encryption_key}</pre></details> : '—'}</td>
                      <td><TlpBadge tlp={c.tlp} /></td>
                      {manage && <td><button type="button" class="secondary danger" onClick={() => remove('contacts', c.id)}>{t('common.remove')}</button></td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {manage && <ContactForm onDone={org.reload} />}
          </Section>
          <Section title={t('directory.resources')} id="resources">
            {(p.resources ?? []).length === 0 ? <p class="empty">{t('directory.noResources')}</p> : (
              <ul class="plain-list" data-testid="resources-list">
                {(p.resources ?? []).map((r: Resource) => (
                  <li>
                    <strong>{r.title}</strong> <span class="badge">{label('sector', r.sector)}</span> <SafeLink url={r.url} />
                    {r.description && <div class="small">{r.description}</div>}
                    {manage && <button type="button" class="secondary danger small" onClick={() => remove('resources', r.id)}>{t('common.remove')}</button>}
                  </li>
                ))}
              </ul>
            )}
            {manage && <ResourceForm onDone={org.reload} />}
          </Section>
          {(p.kind === 'partner' || p.b4) && (
            <Section title={t('directory.b4')} id="b4">
              {p.b4 && Object.values(p.b4).some(Boolean) ? (
                <dl class="facts" data-testid="b4">
                  {B4_FIELDS.filter((k) => p.b4?.[k]).map((k) => (
                    <>
                      <dt>{t(`b4.${k}` as Key)}</dt>
                      <dd class="prewrap">{p.b4![k]}</dd>
                    </>
                  ))}
                </dl>
              ) : <p class="empty">{t('directory.noB4')}</p>}
            </Section>
          )}
          <p><a href={`/agreements?party=${encodeURIComponent(name)}`}>{t('directory.agreementsOf', { org: name })}</a>
            {!own && <> · <a href={`/agreements?between=${encodeURIComponent(session.organisation)},${encodeURIComponent(name)}`}>{t('directory.agreementsWith', { org: name })}</a></>}
          </p>
          <p class="muted small">{tn('count.contacts', p.contacts?.length ?? 0)} · {tn('count.resources', p.resources?.length ?? 0)}</p>
        </>
      )}
    </article>
  );
}
