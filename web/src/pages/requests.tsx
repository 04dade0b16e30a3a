// Requests: mutual assistance between agencies (under an agreement that covers it) and requests
// for information to companies (pre-filled from their LAP B.4 answers). The in- and out-boxes with
// the overdue filter, the form that makes one, and one request with its lifecycle, the steps the
// caller's side may take, the answer and the attachments.
import { useEffect, useRef, useState } from 'preact/hooks';
import { can, get, isMemberAgency, PERM, request, type Page, type Session } from '../api';
import type { Agreement, Case, Profile } from '../coop';
import {
  ASSISTANCE_ACTIONS, COMPANY_REQUEST_KINDS, finished, SUBJECT_FIELDS, type AssistanceRequest, type RequestTemplate,
} from '../flows';
import { ErrorBox, Loading, Section, Time, errorText, useAsync } from '../components/common';
import { useAction } from '../components/form';
import { ListState, Pager, useCursorPages } from '../components/lists';
import { OrgLink, TlpBadge, useDirectory } from '../components/coop';
import { FlowActions, FlowStatus, OutcomeText, Timeline, sideOf } from '../components/flows';
import { fmtBytes, label, t, type Key } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';
import { BoxFilters } from './referrals';

const REQUEST_FILTER = ['draft', 'sent', 'acknowledged', 'in-progress', 'answered', 'declined', 'closed', 'withdrawn'];

function Priority({ p }: { p?: string }) {
  if (!p) return <span class="muted">—</span>;
  return <span class={`badge priority-${p}`} data-priority={p}>{label('priority', p)}</span>;
}

function Due({ r }: { r: AssistanceRequest }) {
  return (
    <span class="nowrap">
      <Time iso={r.due_at} />
      {r.overdue && <> <span class="badge bad" data-testid="overdue">{t('case.overdue')}</span></>}
    </span>
  );
}

export function Requests({ query, session }: { query: URLSearchParams; session: Session }) {
  const box = query.get('box') === 'out' ? 'out' : 'in';
  const status = query.get('status') ?? '';
  const overdue = query.get('overdue') === '1';
  const key = `${box}|${status}|${overdue}`;
  const pages = useCursorPages(key);
  const cursor = pages.cursor;
  const page = useAsync(() => get<Page<AssistanceRequest>>('/api/v1/requests',
    { box, status, overdue: overdue ? 1 : undefined, cursor, limit: 50 }), [key, cursor]);
  useEffect(() => {
    if (page.data) markReady('requests');
  }, [page.data]);
  const items = page.data?.items ?? [];
  const maker = isMemberAgency(session) && can(session, PERM.manageCases);
  return (
    <section>
      <h1>{t('requests.title')}</h1>
      <p class="muted">{t('requests.intro')}</p>
      {maker && (
        <p class="form-row">
          <a class="button" href="/requests/new?kind=assistance" data-testid="new-assistance">{t('requests.newAssistance')}</a>
          <a class="button secondary" href="/requests/new?kind=company" data-testid="new-company">{t('requests.newCompany')}</a>
        </p>
      )}
      <BoxFilters base="/requests" box={box} status={status} overdue={overdue} statuses={REQUEST_FILTER} />
      <ListState list={page} count={items.length} empty={t('requests.empty')} emptyTestid="requests-empty">
        <div class="table-wrap">
          <table class="data" data-testid="requests-table">
            <caption class="visually-hidden">{t(`flow.box.${box}` as Key)}</caption>
            <thead>
              <tr>
                <th scope="col">{t('request.priority')}</th>
                <th scope="col">{t('case.titleField')}</th>
                <th scope="col">{t('request.kind')}</th>
                <th scope="col">{t('field.status')}</th>
                <th scope="col">{box === 'in' ? t('flow.from') : t('flow.to')}</th>
                <th scope="col">{t('case.due')}</th>
                <th scope="col">{t('case.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr data-id={r.id} data-status={r.status} class={r.overdue ? 'overdue' : ''}>
                  <td><Priority p={r.priority} /></td>
                  <td class="subject"><a href={`/requests/${r.id}`}>{r.title}</a></td>
                  <td>{label('requestKind', r.kind)}</td>
                  <td><FlowStatus status={r.status} /></td>
                  <td><OrgLink name={box === 'in' ? r.organisation : r.to} /></td>
                  <td><Due r={r} /></td>
                  <td class="nowrap"><Time iso={r.updated_at} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ListState>
      <Pager pages={pages} next={page.data?.next_cursor} />
    </section>
  );
}

function toggle(list: string[], v: string, on: boolean): string[] {
  return on ? (list.includes(v) ? list : [...list, v]) : list.filter((x) => x !== v);
}

// A request to make: to an agency (assistance) or a company (information).
export function NewRequest({ query, session }: { query: URLSearchParams; session: Session }) {
  const kind = query.get('kind') === 'company' ? 'company' : 'assistance';
  const dir = useDirectory();
  const cases = useAsync(() => get<Page<Case>>('/api/v1/cases', { status: 'active', organisation: session.organisation, sort: 'updated', limit: 100 })
    .then((p) => p.items), []);
  const [f, setF] = useState({
    to: query.get('to') ?? '', agreement: '', actions: [] as string[], legal_basis: '', description: '', title: '',
    due: '', case: query.get('case') ?? '', subjectKind: 'ip-subscriber', subject: {} as Record<string, string>, send: true,
  });
  const [tpl, setTpl] = useState<RequestTemplate | null>(null);
  const [agreements, setAgreements] = useState<Agreement[]>([]);
  const { busy, error, setError, run } = useAction();
  const targets = (dir.data ?? []).filter((p: Profile) => p.name !== session.organisation && p.membership === 'member' &&
    p.kind === (kind === 'assistance' ? 'agency' : 'partner'));
  useEffect(() => {
    if (dir.data) markReady('request-new');
  }, [dir.data]);
  // The agreements in force between us and the agency asked that cover mutual assistance.
  useEffect(() => {
    if (kind !== 'assistance' || !f.to) return setAgreements([]);
    let live = true;
    get<Page<Agreement>>('/api/v1/agreements', { between: `${session.organisation},${f.to}`, limit: 100 }).then((p) => {
      if (!live) return;
      const ok = p.items.filter((a) => a.status === 'in-force' && a.scope.includes('mutual-assistance'));
      setAgreements(ok);
      setF((x) => ({ ...x, agreement: ok.length ? String(ok[0].id) : '' }));
    }, () => live && setAgreements([]));
    return () => {
      live = false;
    };
  }, [kind, f.to]);
  // A company request is pre-filled from the company's B.4 answers, its description filled with
  // what the form names (asked again as it is typed). The description follows the template until
  // the analyst edits it.
  const fields = SUBJECT_FIELDS[f.subjectKind] ?? [];
  const subjectKey = fields.map((k) => f.subject[k]?.trim() ?? '').join('\n');
  const lastTemplate = useRef('');
  useEffect(() => {
    if (kind !== 'company' || !f.to) return setTpl(null);
    let live = true;
    const params: Record<string, string> = { to: f.to, kind: f.subjectKind };
    for (const k of fields) if (f.subject[k]?.trim()) params[k] = f.subject[k].trim();
    const timer = setTimeout(() => get<RequestTemplate>('/api/v1/requests/template', params).then((x) => {
      if (!live) return;
      setTpl(x);
      setF((y) => (y.description === '' || y.description === lastTemplate.current ? { ...y, description: x.description } : y));
      lastTemplate.current = x.description;
    }, (e) => live && setError(errorText(e))), subjectKey ? 300 : 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [kind, f.to, f.subjectKind, subjectKey]);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      kind, to: f.to, title: f.title.trim(), description: f.description.trim(), legal_basis: f.legal_basis.trim(), send: f.send,
      ...(f.due ? { due: `${f.due}T23:59:59Z` } : {}),
      ...(f.case ? { case: Number(f.case) } : {}),
    };
    if (kind === 'assistance') {
      body.actions = f.actions;
      if (f.agreement) body.agreement = Number(f.agreement);
    } else {
      const subject: Record<string, string> = { kind: f.subjectKind };
      for (const k of SUBJECT_FIELDS[f.subjectKind] ?? []) if (f.subject[k]?.trim()) subject[k] = f.subject[k].trim();
      body.subject = subject;
    }
    await run(async () => {
      const made = await request<AssistanceRequest>('POST', '/api/v1/requests', body);
      navigate(`/requests/${made.id}`);
    }, true);
  };
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  if (!isMemberAgency(session) || !can(session, PERM.manageCases))
    return <section><h1>{t('requests.title')}</h1><p class="error" role="alert">{t('flow.memberAgenciesOnly')}</p></section>;
  const chosenCase = (cases.data ?? []).find((c) => String(c.id) === f.case);
  return (
    <section>
      <p class="crumbs"><a href="/requests?box=out">{t('requests.title')}</a></p>
      <h1>{kind === 'assistance' ? t('requests.newAssistance') : t('requests.newCompany')}</h1>
      <nav class="tabs" aria-label={t('request.kind')}>
        <a href={`/requests/new?kind=assistance${f.case ? `&case=${f.case}` : ''}`} aria-current={kind === 'assistance' ? 'page' : undefined}>{label('requestKind', 'assistance')}</a>
        <a href={`/requests/new?kind=company${f.case ? `&case=${f.case}` : ''}`} aria-current={kind === 'company' ? 'page' : undefined}>{label('requestKind', 'company')}</a>
      </nav>
      <p class="muted">{kind === 'assistance' ? t('request.assistanceIntro') : t('request.companyIntro')}</p>
      <ErrorBox error={dir.error} />
      <form class="stack-form wide" onSubmit={submit} data-testid="request-form" key={kind}>
        <div class="form-row">
          <label class="grow">{kind === 'assistance' ? t('request.toAgency') : t('request.toCompany')}
            <select required value={f.to} onChange={set('to')} data-testid="request-to">
              <option value="">{t('request.choose')}</option>
              {targets.map((p) => <option value={p.name}>{p.display_name ? `${p.display_name} (${p.name})` : p.name} — {p.country}</option>)}
            </select>
          </label>
          {kind === 'company' && (
            <label>{t('request.subjectKind')}
              <select value={f.subjectKind} onChange={(e) => setF({ ...f, subjectKind: (e.target as HTMLSelectElement).value, subject: {} })}
                data-testid="request-subject-kind">
                {COMPANY_REQUEST_KINDS.map((k) => <option value={k}>{label('subjectKind', k)}</option>)}
              </select>
            </label>
          )}
        </div>
        {kind === 'assistance' && f.to && (
          <label class="block">{t('referral.agreement')}
            <select required value={f.agreement} onChange={set('agreement')} data-testid="request-agreement">
              {agreements.length === 0 && <option value="">{t('request.noAgreement')}</option>}
              {agreements.map((a) => <option value={String(a.id)}>{a.title}</option>)}
            </select>
          </label>
        )}
        {kind === 'assistance' && (
          <fieldset class="choices" data-testid="request-actions">
            <legend>{t('request.actions')}</legend>
            {ASSISTANCE_ACTIONS.map((a) => (
              <label class="inline">
                <input type="checkbox" name="actions" value={a} checked={f.actions.includes(a)}
                  onChange={(e) => setF({ ...f, actions: toggle(f.actions, a, (e.target as HTMLInputElement).checked) })} />
                {label('action', a)}
              </label>
            ))}
          </fieldset>
        )}
        {kind === 'company' && tpl && (
          <Section title={t('request.whatTheyGive', { org: tpl.to })} id="b4">
            <dl class="facts" data-testid="request-template">
              <dt>{tpl.domestic ? t('b4.domestic') : t('b4.foreign')}</dt><dd data-testid="tpl-give">{tpl.what_they_give || t('directory.noB4')}</dd>
              <dt>{tpl.domestic ? t('b4.domestic_conditions') : t('b4.foreign_conditions')}</dt><dd data-testid="tpl-conditions">{tpl.conditions || '—'}</dd>
              <dt>{t('b4.request_procedure')}</dt><dd data-testid="tpl-how">{tpl.how_to_send || '—'}</dd>
              <dt>{t('b4.request_address')}</dt><dd data-testid="tpl-address">{tpl.send_to || '—'}</dd>
            </dl>
          </Section>
        )}
        {kind === 'company' && (SUBJECT_FIELDS[f.subjectKind] ?? []).length > 0 && (
          <div class="form-row">
            {(SUBJECT_FIELDS[f.subjectKind] ?? []).map((k) => (
              <label class="grow">{t(`subjectField.${k}` as Key)}
                <input value={f.subject[k] ?? ''} data-testid={`subject-${k}`}
                  onInput={(e) => setF({ ...f, subject: { ...f.subject, [k]: (e.target as HTMLInputElement).value } })} />
              </label>
            ))}
          </div>
        )}
        <label class="block">{t('case.titleField')}
          <input value={f.title} maxLength={300} onInput={set('title')} data-testid="request-title" />
        </label>
        <label class="block">{t('request.description')}
          <textarea rows={5} required value={f.description} onInput={set('description')} data-testid="request-description" />
        </label>
        <div class="form-row">
          <label class="grow">{t('request.legalBasis')}
            <input value={f.legal_basis} onInput={set('legal_basis')} data-testid="request-legal-basis" />
          </label>
          <label>{t('case.due')}
            <input type="date" value={f.due} onInput={set('due')} data-testid="request-due" />
          </label>
          <label class="grow">{t('request.case')}
            <select value={f.case} onChange={set('case')} data-testid="request-case">
              <option value="">{t('request.noCase')}</option>
              {(cases.data ?? []).map((c) => <option value={String(c.id)}>{t('request.caseN', { id: c.id, title: c.title })}</option>)}
            </select>
          </label>
        </div>
        <p class="muted small" data-testid="priority-note">
          {t('request.priorityFromHarm', { priority: label('priority', chosenCase ? priorityOf(chosenCase.harm_score) : 'low') })}
        </p>
        <label class="inline">
          <input type="checkbox" checked={!f.send} onChange={(e) => setF({ ...f, send: !(e.target as HTMLInputElement).checked })} data-testid="request-draft" />
          {t('request.keepDraft')}
        </label>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy || !f.to || (kind === 'assistance' && (!f.agreement || !f.actions.length))}
          data-testid="request-send">{f.send ? t('request.send') : t('request.saveDraft')}</button>
      </form>
    </section>
  );
}

// The node's rule (coop::PriorityFromHarm).
function priorityOf(harm: number): string {
  return harm >= 60 ? 'high' : harm >= 30 ? 'medium' : 'low';
}

function Attachments({ r, session, onChange }: { r: AssistanceRequest; session: Session; onChange: () => void }) {
  const { busy, error, run } = useAction();
  const side = sideOf(r, session);
  // Files are not carried between nodes: a request from another node is answered in its text.
  const canAttach = !!side && can(session, PERM.manageCases) && !finished('request', r.status) && !r.federation;
  const upload = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    await run(async () => {
      await request('POST', `/api/v1/requests/${r.id}/attachments?name=${encodeURIComponent(file.name)}`, file,
        file.type || 'application/octet-stream');
      input.value = '';
      onChange();
    });
  };
  const list = r.attachments ?? [];
  return (
    <Section title={t('request.attachments')} id="attachments">
      {list.length === 0 ? <p class="empty">{t('request.noAttachments')}</p> : (
        <table class="data" data-testid="request-attachments">
          <thead>
            <tr><th scope="col">{t('request.file')}</th><th scope="col">{t('request.addedBy')}</th><th scope="col" class="num">{t('request.size')}</th></tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr data-n={a.n}>
                <td>
                  <a href={`/api/v1/requests/${r.id}/attachments/${a.n}`} data-testid="attachment-link">{a.name}</a>
                  <div class="mono small muted">SHA-256 {a.sha256}</div>
                </td>
                <td class="small">{a.by} · <Time iso={a.at} /></td>
                <td class="num">{fmtBytes(a.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBox error={error} />
      {canAttach && (
        <label class="block">{t('request.attach')}
          <input type="file" disabled={busy} onChange={upload} data-testid="attachment-upload" />
        </label>
      )}
    </Section>
  );
}

export function RequestPage({ id, session }: { id: string; session: Session }) {
  const rq = useAsync(() => get<AssistanceRequest>(`/api/v1/requests/${id}`), [id]);
  const r = rq.data;
  useEffect(() => {
    if (r) markReady('request');
  }, [r]);
  const side = r ? sideOf(r, session) : null;
  return (
    <article class="flow">
      <p class="crumbs"><a href={`/requests${side === 'sender' ? '?box=out' : ''}`}>{t('requests.title')}</a></p>
      <h1>{r ? r.title : t('request.heading', { id })}</h1>
      <ErrorBox error={rq.error} />
      <Loading when={rq.loading && !r} />
      {r && (
        <>
          <div class={`case-head${r.overdue ? ' overdue' : ''}`} data-testid="request-head">
            <TlpBadge tlp={r.tlp} />
            <span data-testid="request-status"><FlowStatus status={r.status} /></span>
            <Priority p={r.priority} />
            <span>{label('requestKind', r.kind)}</span>
            <span>{t('flow.fromTo', { from: r.organisation, to: r.to })}</span>
            {r.due_at && <span>{t('case.due')} <Due r={r} /></span>}
            {side && <span class="badge">{t(`flow.side.${side}` as Key)}</span>}
            {r.federation && <span class="badge" data-testid="flow-node">{t('flow.fromNode', { node: r.federation.node })}</span>}
          </div>
          {r.status === 'closed' && r.outcome && <p class="notice" data-testid="request-outcome"><OutcomeText outcome={r.outcome} /></p>}
          <div class="grid2">
            <Section title={t('request.what')} id="what">
              <dl class="facts">
                <dt>{t('flow.from')}</dt><dd><OrgLink name={r.organisation} /></dd>
                <dt>{t('flow.to')}</dt><dd><OrgLink name={r.to} /></dd>
                {r.kind === 'assistance' && (
                  <>
                    <dt>{t('request.actions')}</dt>
                    <dd data-testid="request-actions-shown">{(r.actions ?? []).map((a) => label('action', a)).join(', ') || '—'}</dd>
                    <dt>{t('referral.agreement')}</dt>
                    <dd>{r.agreement ? <a href={`/agreements/${r.agreement.id}`}>{r.agreement.title}</a> : '—'}</dd>
                  </>
                )}
                {r.kind === 'company' && r.subject && (
                  <>
                    <dt>{t('request.subjectKind')}</dt>
                    <dd data-testid="request-subject-shown">
                      {label('subjectKind', r.subject.kind)}
                      {Object.entries(r.subject).filter(([k]) => k !== 'kind').map(([k, v]) => <div class="small"><span class="muted">{label('subjectField', k)}:</span> <span class="mono">{v}</span></div>)}
                    </dd>
                    <dt>{t('b4.request_procedure')}</dt><dd>{r.procedure || '—'}</dd>
                  </>
                )}
                <dt>{t('request.legalBasis')}</dt><dd>{r.legal_basis || '—'}</dd>
                <dt>{t('request.case')}</dt>
                <dd>{r.case ? <a href={`/cases/${r.case.id}`}>{t('request.caseN', { id: r.case.id, title: r.case.title })}</a> : '—'}</dd>
                <dt>{t('request.priority')}</dt><dd><Priority p={r.priority} /></dd>
              </dl>
              {r.description && <p class="prewrap summary" data-testid="request-description-shown">{r.description}</p>}
            </Section>
            <Section title={t('flow.timeline')} id="timeline">
              <Timeline type="request" o={r} />
              <FlowActions type="request" o={r} session={session} onDone={rq.reload} />
            </Section>
          </div>
          {r.answer && (
            <Section title={t('request.answerTitle')} id="answer">
              <p class="muted small">{r.answer.by} · <Time iso={r.answer.at} /></p>
              <p class="prewrap" data-testid="request-answer">{r.answer.text}</p>
            </Section>
          )}
          <Attachments r={r} session={session} onChange={rq.reload} />
        </>
      )}
    </article>
  );
}
