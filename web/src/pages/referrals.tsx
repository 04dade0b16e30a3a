// Referrals of cross-border complaints (the EU common procedure): the in- and out-boxes, the form
// that refers a campaign or a report to the competent agency the evidence points to, and one
// referral with its timeline, the steps the caller's side may take, the referred reports and the
// evidence package.
import { useEffect, useState } from 'preact/hooks';
import { can, get, isMemberAgency, PERM, request, type Page, type Session } from '../api';
import type { ObjectReportPage } from '../coop';
import type { ProposedCountry, Referral, ReferredReport, Proposal } from '../flows';
import { CategoryBadge, Country, ErrorBox, Loading, Section, Time, errorText, useAsync } from '../components/common';
import { useAction } from '../components/form';
import { Filters, ListState, Pager, useCursorPages } from '../components/lists';
import { OrgLink, TlpBadge } from '../components/coop';
import { FlowActions, FlowStatus, OutcomeText, Timeline, sideOf } from '../components/flows';
import { countryName, fmtNumber, label, t, type Key } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

const REFERRAL_FILTER = ['sent', 'received', 'accepted', 'declined', 'closed', 'withdrawn'];

// In- and out-box tabs and a status filter, in the URL.
export function BoxFilters({ base, box, status, overdue, statuses }: {
  base: string; box: string; status: string; overdue?: boolean; statuses: readonly string[];
}) {
  const href = (patch: Record<string, string>) => {
    const p = new URLSearchParams({ box, status, ...(overdue ? { overdue: '1' } : {}), ...patch });
    for (const k of [...p.keys()]) if (!p.get(k)) p.delete(k);
    return `${base}${p.size ? '?' + p : ''}`;
  };
  return (
    <>
      <nav class="tabs" aria-label={t('flow.boxes')}>
        {(['in', 'out'] as const).map((b) => (
          <a href={href({ box: b })} aria-current={box === b ? 'page' : undefined} data-testid={`box-${b}`}>{t(`flow.box.${b}` as Key)}</a>
        ))}
      </nav>
      <Filters label={t('flow.filters')} onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        navigate(href({ status: String(f.get('status') ?? ''), overdue: f.get('overdue') ? '1' : '' }));
      }} key={`${box}|${status}|${overdue}`}>
        <label>
          {t('field.status')}
          <select name="status" value={status} data-testid="status-filter">
            <option value="">{t('common.any')}</option>
            {statuses.map((s) => <option value={s}>{label('flowStatus', s)}</option>)}
          </select>
        </label>
        {overdue !== undefined && (
          <label class="inline">
            <input type="checkbox" name="overdue" value="1" checked={overdue} data-testid="overdue-filter" />
            {t('flow.onlyOverdue')}
          </label>
        )}
      </Filters>
    </>
  );
}

export function Referrals({ query, session }: { query: URLSearchParams; session: Session }) {
  const box = query.get('box') === 'out' ? 'out' : 'in';
  const status = query.get('status') ?? '';
  const key = `${box}|${status}`;
  const pages = useCursorPages(key);
  const cursor = pages.cursor;
  const page = useAsync(() => get<Page<Referral>>('/api/v1/referrals', { box, status, cursor, limit: 50 }), [key, cursor]);
  useEffect(() => {
    if (page.data) markReady('referrals');
  }, [page.data]);
  const items = page.data?.items ?? [];
  return (
    <section>
      <h1>{t('referrals.title')}</h1>
      <p class="muted">{t('referrals.intro')}</p>
      <BoxFilters base="/referrals" box={box} status={status} statuses={REFERRAL_FILTER} />
      <ListState list={page} count={items.length} empty={t('referrals.empty')} emptyTestid="referrals-empty">
        <div class="table-wrap">
          <table class="data" data-testid="referrals-table">
            <caption class="visually-hidden">{t(`flow.box.${box}` as Key)}</caption>
            <thead>
              <tr>
                <th scope="col">{t('case.titleField')}</th>
                <th scope="col">{t('field.status')}</th>
                <th scope="col">{box === 'in' ? t('flow.from') : t('flow.to')}</th>
                <th scope="col">{t('referral.country')}</th>
                <th scope="col">{t('marking.tlp')}</th>
                <th scope="col">{t('flowStatus.sent')}</th>
                <th scope="col">{t('case.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr data-id={r.id} data-status={r.status}>
                  <td class="subject"><a href={`/referrals/${r.id}`}>{r.title}</a></td>
                  <td><FlowStatus status={r.status} /></td>
                  <td><OrgLink name={box === 'in' ? r.organisation : r.to} /></td>
                  <td><Country code={r.country} /></td>
                  <td><TlpBadge tlp={r.tlp} /></td>
                  <td class="nowrap"><Time iso={r.timeline?.sent} /></td>
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

// Why the evidence points to a country, in the user's language, from the structured reason.
function whyText(c: ProposedCountry): string {
  if (c.basis === 'domain' && c.domain) return t('proposal.why.domain', { domain: c.domain });
  if (c.basis === 'origin') return c.reports ? t('proposal.why.originCount', { n: c.reports }) : t('proposal.why.origin');
  return c.why;
}

type Candidate = Proposal['candidates'][number];

function CandidateReasons({ c }: { c: Candidate }) {
  const reasons = [t('proposal.reason.member', { country: countryName(c.country) })];
  if (c.agreements.length) reasons.push(t('proposal.reason.agreement', { title: c.agreements[0].title }));
  if (c.primary_contact) reasons.push(t('proposal.reason.primary', { country: countryName(c.country) }));
  for (const comp of c.competences)
    if (comp === 'telecommunications' || comp === 'consumer-protection')
      reasons.push(t('proposal.reason.competent', { competence: label('competence', comp).toLocaleLowerCase() }));
  return <ul class="reasons small" data-testid="candidate-reasons">{reasons.map((r) => <li>{r}</li>)}</ul>;
}

// Refer a campaign or a report: the countries the evidence points to, the agencies that could take
// it, the agreement that applies, a summary.
export function NewReferral({ query, session }: { query: URLSearchParams; session: Session }) {
  const campaign = query.get('campaign') ?? '';
  const report = query.get('report') ?? '';
  const what = campaign ? { campaign } : { report };
  const prop = useAsync(() => get<Proposal>('/api/v1/referrals/proposal', what), [campaign, report]);
  const [to, setTo] = useState('');
  const [agreement, setAgreement] = useState('');
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const { busy, error, run } = useAction();
  const cands = prop.data?.candidates ?? [];
  const chosen = cands.find((c) => c.organisation === to);
  useEffect(() => {
    if (prop.data) markReady('referral-new');
    if (prop.data && !to && cands.length) choose(cands[0]);
  }, [prop.data]);
  const choose = (c: Candidate) => {
    setTo(c.organisation);
    setAgreement(c.agreements.length ? String(c.agreements[0].id) : '');
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!chosen) return;
    await run(async () => {
      const made = await request<Referral>('POST', '/api/v1/referrals', {
        to: chosen.organisation, country: chosen.country, summary: summary.trim(), title: title.trim(),
        ...(agreement ? { agreement: Number(agreement) } : {}),
        ...(campaign ? { campaigns: [Number(campaign)] } : { reports: [report] }),
      });
      navigate(`/referrals/${made.id}`);
    }, true);
  };
  const whatText = campaign ? t('report.campaignN', { n: campaign }) : t('referral.aReport', { id: report.slice(0, 12) });
  if (!isMemberAgency(session) || !can(session, PERM.manageCases))
    return <section><h1>{t('referral.new')}</h1><p class="error" role="alert">{t('flow.memberAgenciesOnly')}</p></section>;
  return (
    <section>
      <p class="crumbs"><a href="/referrals">{t('referrals.title')}</a></p>
      <h1>{t('referral.newOf', { what: whatText })}</h1>
      <p class="muted">{t('referral.newIntro')}</p>
      <ErrorBox error={prop.error} />
      <Loading when={prop.loading && !prop.data} />
      {prop.data && (
        <form class="stack-form wide" onSubmit={submit} data-testid="referral-form">
          <Section title={t('proposal.countries')} id="countries">
            {prop.data.countries.length === 0 ? <p class="empty">{t('proposal.noCountries')}</p> : (
              <ul class="plain-list" data-testid="proposal-countries">
                {prop.data.countries.map((c) => <li data-country={c.country} data-basis={c.basis}><Country code={c.country} /> — {whyText(c)}</li>)}
              </ul>
            )}
          </Section>
          <Section title={t('proposal.candidates')} id="candidates">
            {cands.length === 0 ? <p class="empty" data-testid="no-candidates">{t('proposal.noCandidates')}</p> : (
              <fieldset class="choices candidates" data-testid="proposal-candidates">
                <legend class="visually-hidden">{t('proposal.candidates')}</legend>
                {cands.map((c) => (
                  <label class="candidate" data-org={c.organisation}>
                    <input type="radio" name="to" value={c.organisation} checked={to === c.organisation} onChange={() => choose(c)} />
                    <span>
                      <strong>{c.display_name || c.organisation}</strong>
                      {c.display_name && c.display_name !== c.organisation && <span class="muted"> ({c.organisation})</span>} <Country code={c.country} />
                      <CandidateReasons c={c} />
                    </span>
                  </label>
                ))}
              </fieldset>
            )}
          </Section>
          {chosen && (
            <label class="block">
              {t('referral.agreement')}
              <select value={agreement} onChange={(e) => setAgreement((e.target as HTMLSelectElement).value)} data-testid="referral-agreement">
                <option value="">{t('referral.noAgreement')}</option>
                {chosen.agreements.map((a) => (
                  <option value={String(a.id)}>{a.title}{a.personal_data ? ` — ${t('referral.personalAllowed')}` : ''}</option>
                ))}
              </select>
            </label>
          )}
          {chosen && (
            <p class="muted small" data-testid="personal-note">
              {chosen.agreements.find((a) => String(a.id) === agreement)?.personal_data ? t('referral.personalGoes') : t('referral.personalStays')}
            </p>
          )}
          <label class="block">{t('case.titleField')}
            <input value={title} maxLength={300} placeholder={chosen ? t('referral.defaultTitle', { org: chosen.organisation }) : ''}
              onInput={(e) => setTitle((e.target as HTMLInputElement).value)} data-testid="referral-title" />
          </label>
          <label class="block">{t('referral.summary')}
            <textarea rows={5} required value={summary} onInput={(e) => setSummary((e.target as HTMLTextAreaElement).value)}
              data-testid="referral-summary" />
          </label>
          <ErrorBox error={error} />
          <button type="submit" disabled={busy || !chosen} data-testid="referral-send">{t('referral.send')}</button>
        </form>
      )}
    </section>
  );
}

function ReferredReports({ r, session }: { r: Referral; session: Session }) {
  const [pages, setPages] = useState<ReferredReport[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [personal, setPersonal] = useState(false);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const load = async (cursor: string) => {
    setLoading(true);
    try {
      const p = await get<ObjectReportPage<ReferredReport>>(
        `/api/v1/referrals/${r.id}/reports`, { cursor, limit: 50 });
      setPages((x) => (cursor ? [...x, ...p.items] : p.items));
      setNext(p.next_cursor ?? null);
      setPersonal(p.personal_data_included);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load('');
  }, [r.id]);
  return (
    <Section title={t('case.reports')} id="reports">
      <p class="muted small" data-testid="reports-shown">
        {t('case.reportsShown', { shown: fmtNumber(pages.length), total: fmtNumber(r.counts?.reports ?? 0) })}
        {' · '}<span data-testid="personal-included" data-included={String(personal)}>
          {personal ? t('referral.personalIncluded') : t('referral.personalNotIncluded')}</span>
      </p>
      <table class="data" data-testid="referral-reports">
        <thead>
          <tr>
            <th scope="col">{t('field.category')}</th><th scope="col">{t('field.subject')}</th>
            <th scope="col">{t('field.origin')}</th><th scope="col" class="num">{t('field.complaints')}</th>
            <th scope="col">{t('field.received')}</th>
            {personal && <th scope="col">{t('report.personal')}</th>}
          </tr>
        </thead>
        <tbody>
          {pages.map((x) => (
            <tr data-id={x.id}>
              <td><CategoryBadge category={x.category} /></td>
              <td class="subject">
                {x.organisation === session.organisation ? <a href={`/reports/${x.id}`}>{x.subject ?? t('report.noSubject')}</a>
                  : <span>{x.subject ?? t('report.noSubject')}</span>}
              </td>
              <td><Country code={x.origin_country} /></td>
              <td class="num">{fmtNumber(x.complaints ?? 0)}</td>
              <td class="nowrap"><Time iso={x.first_seen} /></td>
              {personal && (
                <td class="small">
                  {x.personal_data ? <details><summary>{t('referral.showPersonal')}</summary><pre class="small">{JSON.stringify(x.personal_data, null, 2)}</pre></details> : '—'}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={error} />
      {next && <button type="button" class="secondary" disabled={loading} onClick={() => load(next)} data-testid="more-reports">{t('case.moreReports')}</button>}
    </Section>
  );
}

export function ReferralPage({ id, session }: { id: string; session: Session }) {
  const rf = useAsync(() => get<Referral>(`/api/v1/referrals/${id}`), [id]);
  const r = rf.data;
  useEffect(() => {
    if (r) markReady('referral');
  }, [r]);
  const side = r ? sideOf(r, session) : null;
  return (
    <article class="flow">
      <p class="crumbs"><a href={`/referrals${side === 'sender' ? '?box=out' : ''}`}>{t('referrals.title')}</a></p>
      <h1>{r ? r.title : t('referral.heading', { id })}</h1>
      <ErrorBox error={rf.error} />
      <Loading when={rf.loading && !r} />
      {r && (
        <>
          <div class="case-head">
            <TlpBadge tlp={r.tlp} />
            <span data-testid="referral-status"><FlowStatus status={r.status} /></span>
            <span>{t('flow.fromTo', { from: r.organisation, to: r.to })}</span>
            {side && <span class="badge">{t(`flow.side.${side}` as Key)}</span>}
            {r.federation && <span class="badge" data-testid="flow-node">{t('flow.fromNode', { node: r.federation.node })}</span>}
            {can(session, PERM.readEvidence) && !r.federation && (
              <a class="button" href={`/api/v1/referrals/${r.id}/package`} download={`lapis-referral-${r.id}.zip`} data-testid="referral-package">
                {t('referral.package')}
              </a>
            )}
          </div>
          {r.status === 'closed' && r.outcome && (
            <p class="notice" data-testid="referral-outcome"><OutcomeText outcome={r.outcome} /></p>
          )}
          <div class="grid2">
            <Section title={t('referral.about')} id="about">
              <dl class="facts">
                <dt>{t('flow.from')}</dt><dd><OrgLink name={r.organisation} /></dd>
                <dt>{t('flow.to')}</dt><dd><OrgLink name={r.to} /></dd>
                <dt>{t('referral.country')}</dt><dd><Country code={r.country} /></dd>
                <dt>{t('referral.agreement')}</dt>
                <dd>{r.agreement ? <a href={`/agreements/${r.agreement.id}`}>{r.agreement.title}</a> : t('referral.noAgreement')}</dd>
                <dt>{t('report.personal')}</dt><dd>{r.personal_data ? t('referral.personalGoes') : t('referral.personalStays')}</dd>
                <dt>{t('campaigns.reports')}</dt><dd data-testid="referral-count">{fmtNumber(r.counts?.reports ?? 0)}</dd>
              </dl>
              {r.summary && <p class="prewrap summary" data-testid="referral-summary-shown">{r.summary}</p>}
            </Section>
            <Section title={t('flow.timeline')} id="timeline">
              <Timeline type="referral" o={r} />
              <FlowActions type="referral" o={r} session={session} onDone={rf.reload} />
            </Section>
          </div>
          <ReferredReports r={r} session={session} />
        </>
      )}
    </article>
  );
}
