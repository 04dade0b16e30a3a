// Agreements between organisations (MoUs, treaties, contracts): the list, the agreements that join
// two organisations, one agreement with its parties, scope, dates and signed document, and the
// form that records one and uploads its document.
import { useEffect, useState } from 'preact/hooks';
import { can, get, isMemberAgency, PERM, request, type Session } from '../api';
import { AGREEMENT_STATUSES, INSTRUMENTS, SCOPES, type Agreement } from '../coop';
import { ErrorBox, Loading, Section, useAsync } from '../components/common';
import { Filters, ListState } from '../components/lists';
import { useAction } from '../components/form';
import {
  AudienceText, cleanAudience, DEFAULT_AUDIENCE, MarkingEditor, markingProblem, OrgLink, SafeLink, TlpBadge, useDirectory,
  type Marking,
} from '../components/coop';
import { fmtBytes, fmtDate, label, t } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

function AgreementRows({ items }: { items: Agreement[] }) {
  return (
    <table class="data" data-testid="agreements-table">
      <thead>
        <tr>
          <th scope="col">{t('agreement.title')}</th><th scope="col">{t('agreement.instrument')}</th>
          <th scope="col">{t('agreement.parties')}</th><th scope="col">{t('agreement.scope')}</th>
          <th scope="col">{t('field.status')}</th><th scope="col">{t('agreement.signed')}</th>
          <th scope="col">{t('marking.tlp')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr data-id={a.id}>
            <td><a href={`/agreements/${a.id}`}>{a.title}</a></td>
            <td>{label('instrument', a.instrument)}</td>
            <td>{a.parties.map((p, i) => <>{i > 0 && ', '}<OrgLink name={p} /></>)}</td>
            <td>{a.scope.map((s) => label('scope', s)).join(', ')}</td>
            <td><span class={`badge ${a.status === 'in-force' ? 'ok' : ''}`}>{label('agreementStatus', a.status)}</span></td>
            <td>{a.signed_at ? fmtDate(a.signed_at) : '—'}</td>
            <td><TlpBadge tlp={a.tlp} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Between({ a, b, session }: { a: string; b: string; session: Session }) {
  const dir = useDirectory();
  const names = (dir.data ?? []).map((p) => p.name);
  const [x, setX] = useState(a || session.organisation);
  const [y, setY] = useState(b);
  const submit = (e: Event) => {
    e.preventDefault();
    if (x && y) navigate(`/agreements?between=${encodeURIComponent(x.trim())},${encodeURIComponent(y.trim())}`);
  };
  return (
    <Filters label={t('agreements.between')} onSubmit={submit} clear="/agreements" submit={t('agreements.find')} testid="between-form">
      <datalist id="org-names">{names.map((n) => <option value={n} />)}</datalist>
      <label>{t('agreements.orgA')} <input list="org-names" required value={x} onInput={(e) => setX((e.target as HTMLInputElement).value)} /></label>
      <label>{t('agreements.orgB')} <input list="org-names" required value={y} onInput={(e) => setY((e.target as HTMLInputElement).value)} data-testid="between-b" /></label>
    </Filters>
  );
}

function NewAgreement({ session }: { session: Session }) {
  const dir = useDirectory();
  const [f, setF] = useState({
    title: '', instrument: 'mou', parties: [session.organisation], scope: ['information-sharing'] as string[],
    confidentiality: '', personal_data: false, signed_at: '', effective_from: '', expires_at: '', url: '',
  });
  const [marking, setMarking] = useState<Marking>({ tlp: 'GREEN', audience: { ...DEFAULT_AUDIENCE, kind: 'network' } });
  const [file, setFile] = useState<File | null>(null);
  const { busy, error, run } = useAction();
  const others = (dir.data ?? []).filter((p) => p.name !== session.organisation && p.membership === 'member');
  const toggle = (list: string[], v: string, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));
  // The parties always see their agreement; the audience holds whom else it reaches.
  const audience = marking.audience.kind === 'organisations' && !marking.audience.organisations.length
    ? { ...marking.audience, kind: 'organisation' as const } : marking.audience;
  const problem = markingProblem(marking.tlp, audience);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      title: f.title.trim(), instrument: f.instrument, parties: f.parties, scope: f.scope, personal_data: f.personal_data,
      tlp: marking.tlp, audience: cleanAudience(audience),
    };
    if (f.confidentiality.trim()) body.confidentiality = f.confidentiality.trim();
    if (f.url.trim()) body.url = f.url.trim();
    for (const k of ['signed_at', 'effective_from', 'expires_at'] as const) if (f[k]) body[k] = `${f[k]}T00:00:00Z`;
    await run(async () => {
      const made = await request<Agreement>('POST', '/api/v1/agreements', body);
      if (file) await request('PUT', `/api/v1/agreements/${made.id}/document?name=${encodeURIComponent(file.name)}`, file, file.type || 'application/octet-stream');
      navigate(`/agreements/${made.id}`);
    }, true);
  };
  const text = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  return (
    <form class="stack-form" onSubmit={submit} data-testid="agreement-form">
      <div class="form-row">
        <label class="grow">{t('agreement.title')} <input required value={f.title} onInput={text('title')} data-testid="agreement-title" /></label>
        <label>
          {t('agreement.instrument')}
          <select value={f.instrument} onChange={text('instrument')}>
            {INSTRUMENTS.map((i) => <option value={i}>{label('instrument', i)}</option>)}
          </select>
        </label>
      </div>
      <fieldset class="choices" data-testid="agreement-parties">
        <legend>{t('agreement.parties')}</legend>
        <label class="inline"><input type="checkbox" checked disabled /> {session.organisation}</label>
        {others.map((p) => (
          <label class="inline">
            <input type="checkbox" value={p.name} checked={f.parties.includes(p.name)}
              onChange={(e) => setF({ ...f, parties: toggle(f.parties, p.name, (e.target as HTMLInputElement).checked) })} />
            {p.name}
          </label>
        ))}
      </fieldset>
      <fieldset class="choices">
        <legend>{t('agreement.scope')}</legend>
        {SCOPES.map((s) => (
          <label class="inline">
            <input type="checkbox" value={s} checked={f.scope.includes(s)}
              onChange={(e) => setF({ ...f, scope: toggle(f.scope, s, (e.target as HTMLInputElement).checked) })} />
            {label('scope', s)}
          </label>
        ))}
      </fieldset>
      <div class="form-row">
        <label>{t('agreement.signed')} <input type="date" value={f.signed_at} onInput={text('signed_at')} /></label>
        <label>{t('agreement.effective')} <input type="date" value={f.effective_from} onInput={text('effective_from')} /></label>
        <label>{t('agreement.expires')} <input type="date" value={f.expires_at} onInput={text('expires_at')} /></label>
        <label class="grow">{t('agreement.url')} <input type="url" value={f.url} onInput={text('url')} /></label>
      </div>
      <label class="block">{t('agreement.confidentiality')} <input value={f.confidentiality} onInput={text('confidentiality')} /></label>
      <label class="inline">
        <input type="checkbox" checked={f.personal_data} onChange={(e) => setF({ ...f, personal_data: (e.target as HTMLInputElement).checked })} />
        {t('agreement.personalData')}
      </label>
      <label class="block">{t('agreement.document')}
        <input type="file" data-testid="agreement-file" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
      </label>
      <MarkingEditor value={marking} onChange={setMarking} own={session.organisation} idPrefix="agreement" />
      <p class="muted small">{t('agreement.partiesSee')}</p>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy || !!problem || f.parties.length < 1 || !f.scope.length} data-testid="agreement-submit">
        {t('agreements.record')}
      </button>
    </form>
  );
}

export function Agreements({ query, session }: { query: URLSearchParams; session: Session }) {
  const between = query.get('between') ?? '';
  const party = query.get('party') ?? '';
  const status = query.get('status') ?? '';
  const q = query.get('q') ?? '';
  const [a, b] = between.split(',');
  const list = useAsync(
    () => get<{ items: Agreement[] }>('/api/v1/agreements', { between, parties: party, status, q, limit: 200 }),
    [between, party, status, q],
  );
  const [adding, setAdding] = useState(query.get('new') === '1');
  useEffect(() => {
    if (list.data) markReady('agreements');
  }, [list.data]);
  const manage = can(session, PERM.manageCases) && isMemberAgency(session);
  return (
    <section>
      <h1>{t('agreements.title')}</h1>
      <p class="muted">{t('agreements.intro')}</p>
      <Between a={a ?? ''} b={b ?? ''} session={session} />
      {between && <p class="active-filters" data-testid="between-caption">{t('agreements.joining', { a: a ?? '', b: b ?? '' })}</p>}
      {party && <p class="active-filters">{t('agreements.ofParty', { org: party })}</p>}
      <ListState list={list} count={list.data?.items.length ?? 0} empty={between ? t('agreements.noneBetween') : t('agreements.empty')}
        emptyTestid="agreements-empty">
        <div class="table-wrap"><AgreementRows items={list.data?.items ?? []} /></div>
      </ListState>
      {manage && (adding ? (
        <Section title={t('agreements.new')} id="new-agreement"><NewAgreement session={session} /></Section>
      ) : (
        <p><button type="button" onClick={() => setAdding(true)} data-testid="new-agreement">{t('agreements.new')}</button></p>
      ))}
    </section>
  );
}

export function AgreementPage({ id, session }: { id: string; session: Session }) {
  const ag = useAsync(() => get<Agreement>(`/api/v1/agreements/${id}`), [id]);
  const { busy, error, run } = useAction();
  const a = ag.data;
  useEffect(() => {
    if (a) markReady('agreement');
  }, [a]);
  const owner = a?.organisation === session.organisation && can(session, PERM.manageCases);
  const upload = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    await run(async () => {
      await request('PUT', `/api/v1/agreements/${id}/document?name=${encodeURIComponent(file.name)}`, file, file.type || 'application/octet-stream');
      ag.reload();
    });
  };
  const setStatus = async (status: string) => {
    if (!a) return;
    await run(async () => {
      await request('PATCH', `/api/v1/agreements/${id}`, { status, version: a.version });
      ag.reload();
    });
  };
  return (
    <article>
      <p class="crumbs"><a href="/agreements">{t('agreements.title')}</a></p>
      <h1>{a?.title ?? t('agreement.heading', { id })}</h1>
      <ErrorBox error={ag.error || error} />
      <Loading when={ag.loading && !a} />
      {a && (
        <>
          <p><TlpBadge tlp={a.tlp} /> <span class={`badge ${a.status === 'in-force' ? 'ok' : ''}`}>{label('agreementStatus', a.status)}</span></p>
          <dl class="facts" data-testid="agreement-facts">
            <dt>{t('agreement.instrument')}</dt><dd>{label('instrument', a.instrument)}</dd>
            <dt>{t('agreement.parties')}</dt>
            <dd data-testid="agreement-parties-shown">{a.parties.map((p, i) => <>{i > 0 && ', '}<OrgLink name={p} /></>)}</dd>
            <dt>{t('agreement.scope')}</dt><dd>{a.scope.map((s) => label('scope', s)).join(', ')}</dd>
            <dt>{t('agreement.signed')}</dt><dd>{a.signed_at ? fmtDate(a.signed_at) : '—'}</dd>
            <dt>{t('agreement.effective')}</dt><dd>{a.effective_from ? fmtDate(a.effective_from) : '—'}</dd>
            <dt>{t('agreement.expires')}</dt><dd>{a.expires_at ? fmtDate(a.expires_at) : '—'}</dd>
            <dt>{t('agreement.confidentiality')}</dt><dd>{a.confidentiality || '—'}</dd>
            <dt>{t('agreement.personalData')}</dt><dd>{a.personal_data ? t('common.yes') : t('common.no')}</dd>
            <dt>{t('agreement.url')}</dt><dd><SafeLink url={a.url} /></dd>
            <dt>{t('agreement.recordedBy')}</dt><dd><OrgLink name={a.organisation} /></dd>
            <dt>{t('marking.audience')}</dt><dd><AudienceText audience={a.audience} /></dd>
            <dt>{t('agreement.document')}</dt>
            <dd>
              {a.document ? (
                <a href={`/api/v1/agreements/${a.id}/document`} download={a.document.name ?? `agreement-${a.id}`} data-testid="agreement-download">
                  {t('agreement.download', { size: fmtBytes(a.document.size) })}
                </a>
              ) : <span class="muted">{t('agreement.noDocument')}</span>}
              {a.document && <div class="mono small muted">SHA-256 {a.document.sha256} · {a.document.content_type}</div>}
            </dd>
          </dl>
          {owner && (
            <Section title={t('agreement.manage')} id="manage">
              <label class="block">{a.document ? t('agreement.replaceDocument') : t('agreement.uploadDocument')}
                <input type="file" disabled={busy} onChange={upload} data-testid="agreement-upload" />
              </label>
              <label>
                {t('field.status')}{' '}
                <select value={a.status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
                  {AGREEMENT_STATUSES.map((s) => <option value={s}>{label('agreementStatus', s)}</option>)}
                </select>
              </label>
            </Section>
          )}
        </>
      )}
    </article>
  );
}
