// One case: its harm score with every factor, what it holds (reports a page at a time, campaigns,
// indicators), tasks, notes and history; its owner edits it, its figures and who may see it, and
// anyone allowed downloads the signed evidence package.
import { useEffect, useState } from 'preact/hooks';
import { can, get, isMember, isMemberAgency, PERM, request, type Session } from '../api';
import { CASE_STATUSES, OUTCOMES, type Case, type CaseEvent, type CaseReport, type HarmFactor, type Task } from '../coop';
import { CategoryBadge, Country, ErrorBox, Loading, Section, Time, errorText, useAsync } from '../components/common';
import { useAction } from '../components/form';
import {
  AudienceText, Bar, cleanAudience, MarkingEditor, markingProblem, OrgLink, TlpBadge, useGroups, type Marking,
} from '../components/coop';
import { countryName, fmtNumber, getLocale, label, t, tn } from '../i18n';
import { markReady } from '../ready';
import { HarmScore } from './cases';

// What a factor was computed from, in the user's language.
function figuresText(f: HarmFactor): string {
  const x = f.figures;
  if (!x) return f.basis;
  switch (f.name) {
    case 'complainants':
      return t('case.figures.complainants', { complaints: x.complaints ?? 0, recipients: x.recipients ?? 0 });
    case 'money_lost':
      return t('case.figures.money_lost', {
        eur: new Intl.NumberFormat(getLocale(), { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 }).format(x.eur ?? 0),
      });
    case 'severity':
      return x.category ? t('case.figures.severity', { category: label('category', x.category) }) : t('case.figures.severityNone');
    case 'vulnerable_targets':
      return x.vulnerable ? t('case.figures.vulnerable') : t('case.figures.notVulnerable');
    case 'countries': {
      const list = x.countries ?? [];
      return list.length ? tn('case.figures.countries', list.length).replace('{list}', list.map(countryName).join(', '))
        : t('case.figures.noCountries');
    }
    default:
      return f.basis;
  }
}

function HarmBreakdown({ c }: { c: Case }) {
  const factors = c.harm?.factors ?? [];
  return (
    <Section title={t('case.harm')} id="harm">
      <p class="harm-total" data-testid="harm-score"><HarmScore score={c.harm_score} /></p>
      <table class="data" data-testid="harm-factors">
        <caption class="visually-hidden">{t('case.harmCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('case.factor')}</th>
            <th scope="col">{t('case.points')}</th>
            <th scope="col">{t('case.basis')}</th>
          </tr>
        </thead>
        <tbody>
          {factors.map((f) => (
            <tr data-factor={f.name} data-points={f.points} data-max={f.max}>
              <th scope="row">{label('harmFactor', f.name)}<div class="muted small">{label('harmFactorHelp', f.name)}</div></th>
              <td class="nowrap">
                <Bar value={f.points} max={f.max} />
                <span class="points">{t('case.pointsOf', { points: fmtNumber(f.points), max: fmtNumber(f.max) })}</span>
              </td>
              <td class="small" data-figures={JSON.stringify(f.figures ?? {})}>{figuresText(f)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Counts({ c }: { c: Case }) {
  const cats = Object.entries(c.stats?.categories ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <Section title={t('case.contents')} id="counts">
      <dl class="facts" data-testid="case-counts">
        <dt>{t('campaigns.reports')}</dt><dd data-testid="count-reports">{fmtNumber(c.counts?.reports ?? 0)}</dd>
        <dt>{t('nav.campaigns')}</dt><dd data-testid="count-campaigns">{fmtNumber(c.counts?.campaigns ?? 0)}</dd>
        <dt>{t('nav.indicators')}</dt><dd data-testid="count-indicators">{fmtNumber(c.counts?.indicators ?? 0)}</dd>
        <dt>{t('field.complaints')}</dt><dd>{fmtNumber(c.stats?.complaints ?? 0)}</dd>
        <dt>{t('case.countries')}</dt>
        <dd>{(c.stats?.countries ?? []).length ? (c.stats?.countries ?? []).map((x) => <><Country code={x} /> </>) : '—'}</dd>
        <dt>{t('field.category')}</dt>
        <dd>{cats.length ? cats.map(([k, n]) => <><CategoryBadge category={k === 'unclassified' ? null : k} /> {fmtNumber(n)} </>) : '—'}</dd>
      </dl>
    </Section>
  );
}

function Reports({ c, session }: { c: Case; session: Session }) {
  const [extra, setExtra] = useState<CaseReport[]>([]);
  const [next, setNext] = useState(c.reports_next_cursor ?? '');
  const [error, setError] = useState('');
  useEffect(() => {
    setExtra([]);
    setNext(c.reports_next_cursor ?? '');
  }, [c]);
  const more = async () => {
    try {
      const p = await get<{ items: CaseReport[]; next_cursor?: string }>(`/api/v1/cases/${c.id}/reports`, { cursor: next, limit: 100 });
      setExtra((x) => [...x, ...p.items]);
      setNext(p.next_cursor ?? '');
    } catch (e) {
      setError(errorText(e));
    }
  };
  const rows = [...(c.reports ?? []), ...extra];
  return (
    <Section title={t('case.reports')} id="reports">
      <p class="muted small" data-testid="reports-shown">{t('case.reportsShown', { shown: fmtNumber(rows.length), total: fmtNumber(c.counts?.reports ?? 0) })}</p>
      <table class="data" data-testid="case-reports">
        <thead>
          <tr>
            <th scope="col">{t('field.category')}</th><th scope="col">{t('field.subject')}</th>
            <th scope="col">{t('field.origin')}</th><th scope="col" class="num">{t('field.complaints')}</th>
            <th scope="col">{t('field.received')}</th><th scope="col">{t('case.addedBy')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-id={r.id}>
              <td><CategoryBadge category={r.category} /></td>
              <td class="subject">
                {r.organisation === session.organisation
                  ? <a href={`/reports/${r.id}`}>{r.subject ?? t('report.noSubject')}</a>
                  : <span>{r.subject ?? t('report.noSubject')} <span class="muted small">({r.organisation})</span></span>}
              </td>
              <td><Country code={r.origin_country} /></td>
              <td class="num">{fmtNumber(r.complaints ?? 0)}</td>
              <td class="nowrap"><Time iso={r.first_seen} /></td>
              <td class="small">{r.added_by} · <Time iso={r.added_at} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={error} />
      {next && <button type="button" class="secondary" onClick={more} data-testid="more-reports">{t('case.moreReports')}</button>}
    </Section>
  );
}

function Sources({ c, session }: { c: Case; session: Session }) {
  const campaigns = c.campaigns ?? [];
  const indicators = c.indicators ?? [];
  return (
    <Section title={t('case.sources')} id="sources">
      <h3>{t('nav.campaigns')}</h3>
      {campaigns.length === 0 ? <p class="muted">—</p> : (
        <ul class="plain-list" data-testid="case-campaigns">
          {campaigns.map((target) => {
            const [org, id] = [target.slice(0, target.lastIndexOf('/')), target.slice(target.lastIndexOf('/') + 1)];
            return <li>{org === session.organisation ? <a href={`/campaigns/${id}`}>{t('report.campaignN', { n: id })}</a>
              : <span>{t('report.campaignN', { n: id })} <span class="muted small">({org})</span></span>}</li>;
          })}
        </ul>
      )}
      <h3>{t('nav.indicators')}</h3>
      {indicators.length === 0 ? <p class="muted">—</p> : (
        <ul class="plain-list" data-testid="case-indicators">
          {indicators.map((target) => {
            const i = target.indexOf(':');
            const type = target.slice(0, i), value = target.slice(i + 1);
            return (
              <li>
                <span class="badge">{label('indicator', type)}</span>{' '}
                <a class="mono url-cell" href={`/indicators?type=${encodeURIComponent(type)}&value=${encodeURIComponent(value)}`}>{value}</a>
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

function Tasks({ c, owner, onChange }: { c: Case; owner: boolean; onChange: () => void }) {
  const [f, setF] = useState({ title: '', assignee: '', due: '' });
  const { error, run } = useAction({ busy: false });
  const add = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await request('POST', `/api/v1/cases/${c.id}/tasks`, {
        title: f.title.trim(), assignee: f.assignee.trim(), ...(f.due ? { due: `${f.due}T23:59:59Z` } : {}),
      });
      setF({ title: '', assignee: '', due: '' });
      onChange();
    });
  };
  const setStatus = async (task: Task, status: string) => {
    await run(async () => {
      await request('PATCH', `/api/v1/tasks/${task.id}`, { status });
      onChange();
    });
  };
  const clearDue = async (task: Task) => {
    await run(async () => {
      await request('PATCH', `/api/v1/tasks/${task.id}`, { due: null });
      onChange();
    });
  };
  const tasks = c.tasks ?? [];
  return (
    <Section title={t('case.tasks')} id="tasks">
      {tasks.length === 0 ? <p class="empty">{t('case.noTasks')}</p> : (
        <table class="data" data-testid="case-tasks">
          <thead>
            <tr>
              <th scope="col">{t('case.task')}</th><th scope="col">{t('case.assignee')}</th>
              <th scope="col">{t('case.due')}</th><th scope="col">{t('field.status')}</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((k) => (
              <tr data-id={k.id} data-status={k.status} class={k.overdue ? 'overdue' : ''}>
                <td>{k.title}</td>
                <td>{k.assignee || '—'}</td>
                <td class="nowrap">
                  <Time iso={k.due_at} />
                  {k.overdue && <span class="badge bad" data-testid="overdue"> {t('case.overdue')}</span>}
                  {owner && k.due_at && (
                    <button type="button" class="link small" onClick={() => clearDue(k)} data-testid="clear-due">{t('case.clearDue')}</button>
                  )}
                </td>
                <td>
                  {owner ? (
                    <label class="inline">
                      <input type="checkbox" checked={k.status === 'done'} data-testid="task-done"
                        onChange={(e) => setStatus(k, (e.target as HTMLInputElement).checked ? 'done' : 'open')} />
                      {label('taskStatus', k.status)}
                    </label>
                  ) : label('taskStatus', k.status)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBox error={error} />
      {owner && (
        <form class="inline-form" onSubmit={add} data-testid="task-form">
          <h3>{t('case.newTask')}</h3>
          <label class="grow">{t('case.task')} <input required value={f.title} onInput={(e) => setF({ ...f, title: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('case.assignee')} <input value={f.assignee} onInput={(e) => setF({ ...f, assignee: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('case.due')} <input type="date" value={f.due} onInput={(e) => setF({ ...f, due: (e.target as HTMLInputElement).value })} /></label>
          <button type="submit">{t('case.addTask')}</button>
        </form>
      )}
    </Section>
  );
}

function Notes({ c, session, onChange }: { c: Case; session: Session; onChange: () => void }) {
  const [text, setText] = useState('');
  const { error, run } = useAction({ busy: false });
  const add = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await request('POST', `/api/v1/cases/${c.id}/notes`, { text: text.trim() });
      setText('');
      onChange();
    });
  };
  const notes = c.notes ?? [];
  return (
    <Section title={t('case.notes')} id="notes">
      {notes.length === 0 ? <p class="empty">{t('case.noNotes')}</p> : (
        <ul class="notes" data-testid="case-notes">
          {notes.map((n) => (
            <li data-id={n.id}>
              <div class="muted small"><Time iso={n.created_at} /> · {n.organisation}</div>
              <p class="prewrap">{n.text}</p>
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={error} />
      {can(session, PERM.cooperate) && (
        <form class="stack-form" onSubmit={add} data-testid="note-form">
          <label class="block">{t('case.newNote')}
            <textarea rows={3} required value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
          </label>
          <button type="submit">{t('case.addNote')}</button>
        </form>
      )}
    </Section>
  );
}

function actionText(action: string): string {
  const m = action.match(/^status:(.+)->(.+)$/);
  if (m) return t('history.status', { from: label('caseStatus', m[1]), to: label('caseStatus', m[2]) });
  return label('history', action);
}

function History({ id, tick }: { id: number; tick: number }) {
  const h = useAsync(() => get<{ items: CaseEvent[] }>(`/api/v1/cases/${id}/history`), [id, tick]);
  return (
    <Section title={t('case.history')} id="history">
      <ErrorBox error={h.error} />
      <ol class="timeline" data-testid="case-history">
        {(h.data?.items ?? []).map((e) => (
          <li data-action={e.action}>
            <Time iso={e.at} /> <strong>{actionText(e.action)}</strong>
            <span class="muted small"> · {e.organisation} · {e.actor}{e.detail ? ` · ${e.detail}` : ''}</span>
          </li>
        ))}
      </ol>
    </Section>
  );
}

function EditCase({ c, onSaved }: { c: Case; onSaved: () => void }) {
  const [f, setF] = useState({
    title: c.title, summary: c.summary ?? '', status: c.status, outcome: c.outcome?.kind ?? 'warning',
    outcomeDetail: c.outcome?.detail ?? '', money_lost: String(c.inputs?.money_lost ?? 0),
    recipients: String(c.inputs?.recipients ?? 0), vulnerable: !!c.inputs?.vulnerable,
    countries: (c.inputs?.countries ?? []).join(', '),
  });
  const { error, run } = useAction({ busy: false });
  const closing = f.status === 'closed' && c.status !== 'closed';
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      version: c.version, title: f.title.trim(), summary: f.summary,
      inputs: {
        money_lost: Number(f.money_lost) || 0, recipients: Math.trunc(Number(f.recipients) || 0), vulnerable: f.vulnerable,
        countries: f.countries.split(/[,;\s]+/).map((x) => x.trim().toUpperCase()).filter(Boolean),
      },
    };
    if (f.status !== c.status) body.status = f.status;
    if (closing) body.outcome = { kind: f.outcome, detail: f.outcomeDetail.trim() };
    await run(async () => {
      await request('PATCH', `/api/v1/cases/${c.id}`, body);
      onSaved();
    });
  };
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  return (
    <form class="stack-form" onSubmit={submit} data-testid="case-edit">
      <label class="block">{t('case.titleField')} <input required value={f.title} onInput={set('title')} /></label>
      <label class="block">{t('case.summary')} <textarea rows={3} value={f.summary} onInput={set('summary')} /></label>
      <div class="form-row">
        <label>
          {t('field.status')}
          <select value={f.status} onChange={set('status')} data-testid="case-status">
            {CASE_STATUSES.map((s) => <option value={s}>{label('caseStatus', s)}</option>)}
          </select>
        </label>
        {closing && (
          <>
            <label>
              {t('case.outcome')}
              <select value={f.outcome} onChange={set('outcome')} required data-testid="case-outcome">
                {OUTCOMES.map((o) => <option value={o}>{label('outcome', o)}</option>)}
              </select>
            </label>
            <label class="grow">{t('case.outcomeDetail')} <input value={f.outcomeDetail} onInput={set('outcomeDetail')} /></label>
          </>
        )}
      </div>
      {closing && <p class="muted small">{t('case.closingNeedsOutcome')}</p>}
      <fieldset class="choices">
        <legend>{t('case.inputs')}</legend>
        <label>{t('case.moneyLost')} <input type="number" min="0" step="0.01" value={f.money_lost} onInput={set('money_lost')} data-testid="input-money" /></label>
        <label>{t('case.recipients')} <input type="number" min="0" step="1" value={f.recipients} onInput={set('recipients')} data-testid="input-recipients" /></label>
        <label>{t('case.extraCountries')} <input value={f.countries} placeholder="BE, NL" pattern="([A-Za-z]{2}[,;\s]*)*" onInput={set('countries')} /></label>
        <label class="inline">
          <input type="checkbox" checked={f.vulnerable} onChange={(e) => setF({ ...f, vulnerable: (e.target as HTMLInputElement).checked })} data-testid="input-vulnerable" />
          {t('case.vulnerable')}
        </label>
      </fieldset>
      <ErrorBox error={error} />
      <button type="submit" data-testid="case-save">{t('common.save')}</button>
    </form>
  );
}

function Sharing({ c, owner, session, onSaved }: { c: Case; owner: boolean; session: Session; onSaved: () => void }) {
  const groups = useGroups();
  const [editing, setEditing] = useState(false);
  const [m, setM] = useState<Marking>({ tlp: c.tlp, audience: c.audience });
  const { error, run } = useAction({ busy: false });
  useEffect(() => setM({ tlp: c.tlp, audience: c.audience }), [c]);
  const save = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await request('PATCH', `/api/v1/cases/${c.id}`, { version: c.version, tlp: m.tlp, audience: cleanAudience(m.audience) });
      setEditing(false);
      onSaved();
    });
  };
  return (
    <Section title={t('case.sharing')} id="sharing">
      <p><TlpBadge tlp={c.tlp} /> <span class="muted small">{label('tlpHelp', c.tlp)}</span></p>
      <p>{t('marking.audience')}: <AudienceText audience={c.audience} groups={groups.data} /></p>
      {owner && isMember(session) && !editing && <button type="button" class="secondary" onClick={() => setEditing(true)} data-testid="edit-sharing">{t('case.changeSharing')}</button>}
      {owner && !isMember(session) && <p class="muted small" data-testid="outside-note">{t('marking.outside')}</p>}
      {owner && isMember(session) && editing && (
        <form class="stack-form" onSubmit={save} data-testid="sharing-form">
          <MarkingEditor value={m} onChange={setM} own={session.organisation} idPrefix="case" />
          <ErrorBox error={error} />
          <div class="form-row">
            <button type="submit" disabled={!!markingProblem(m.tlp, m.audience)} data-testid="sharing-save">{t('common.save')}</button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>{t('common.cancel')}</button>
          </div>
        </form>
      )}
    </Section>
  );
}

export function CasePage({ id, session, query }: { id: string; session: Session; query: URLSearchParams }) {
  const cs = useAsync(() => get<Case>(`/api/v1/cases/${id}`), [id]);
  const [tick, setTick] = useState(0);
  const [editing, setEditing] = useState(false);
  const c = cs.data;
  useEffect(() => {
    if (c) markReady('case');
  }, [c]);
  const reload = () => {
    cs.reload();
    setTick((n) => n + 1);
  };
  const owner = !!c && c.organisation === session.organisation && can(session, PERM.manageCases);
  const added = query.get('added');
  return (
    <article class="case">
      <p class="crumbs"><a href="/cases">{t('cases.title')}</a></p>
      <h1>{c ? c.title : t('case.heading', { id })}</h1>
      <ErrorBox error={cs.error} />
      <Loading when={cs.loading && !c} />
      {c && (
        <>
          <div class="case-head">
            <TlpBadge tlp={c.tlp} />
            <span class={`badge status-${c.status}`} data-testid="case-status-shown">{label('caseStatus', c.status)}</span>
            <span>{t('case.ownedBy')} {c.organisation === session.organisation ? c.organisation : <OrgLink name={c.organisation} />}</span>
            <span class="muted small">{t('case.updated')} <Time iso={c.updated_at} /></span>
            {can(session, PERM.readEvidence) && (
              <a class="button" href={`/api/v1/cases/${c.id}/package`} download={`lapis-case-${c.id}.zip`} data-testid="case-package">
                {t('case.package')}
              </a>
            )}
            {owner && can(session, 'read personal data') && (
              <a class="button secondary" href={`/api/v1/cases/${c.id}/package?personal=1`} download={`lapis-case-${c.id}-personal.zip`}>
                {t('case.packagePersonal')}
              </a>
            )}
          </div>
          {added !== null && <p class="notice" role="status" data-testid="added-notice">{tn('case.added', Number(added))}</p>}
          {c.summary && <p class="summary prewrap">{c.summary}</p>}
          {owner && isMemberAgency(session) && c.status !== 'closed' && (
            <p class="form-row">
              <a class="button secondary" href={`/requests/new?kind=assistance&case=${c.id}`} data-testid="ask-assistance">{t('case.askAssistance')}</a>
              <a class="button secondary" href={`/requests/new?kind=company&case=${c.id}`} data-testid="ask-company">{t('case.askCompany')}</a>
            </p>
          )}
          {c.status === 'closed' && c.outcome && (
            <p class="notice" data-testid="case-outcome-shown">{t('case.closedWith', { outcome: label('outcome', c.outcome.kind) })}{c.outcome.detail ? ` — ${c.outcome.detail}` : ''}</p>
          )}
          {owner && (editing ? (
            <Section title={t('case.edit')} id="edit">
              <EditCase c={c} onSaved={() => {
                setEditing(false);
                reload();
              }} />
            </Section>
          ) : <p><button type="button" class="secondary" onClick={() => setEditing(true)} data-testid="edit-case">{t('case.edit')}</button></p>)}
          <div class="grid2">
            <HarmBreakdown c={c} />
            <div>
              <Counts c={c} />
              <Sharing c={c} owner={owner} session={session} onSaved={reload} />
            </div>
          </div>
          <Reports c={c} session={session} />
          <div class="grid2">
            <Tasks c={c} owner={owner} onChange={reload} />
            <Notes c={c} session={session} onChange={reload} />
          </div>
          <div class="grid2">
            <Sources c={c} session={session} />
            <History id={c.id} tick={tick} />
          </div>
          {(c.assignees ?? []).length > 0 && <p class="muted small">{t('case.assignees')}: {(c.assignees ?? []).join(', ')}</p>}
        </>
      )}
    </article>
  );
}
