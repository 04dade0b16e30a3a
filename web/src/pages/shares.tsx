// Shares: what other organisations of the network shared with ours and what ours shared, with
// search; one share with its marking, audience and sharer, its counts drawn as charts, its
// indicators with their sightings, its reports a page at a time with their analyses, the CSV
// export and, when the caller is entitled to personal data, the raw messages. The owner changes
// the marking and audience, and withdraws it.
import { useEffect, useState } from 'preact/hooks';
import { can, get, isMember, PERM, request, type Analysis, type Session, type StatRow } from '../api';
import type { Share, SharedReport, SharedReportPage } from '../shares';
import { CategoryBadge, Country, ErrorBox, Loading, Network, Section, Time, useAsync } from '../components/common';
import { useAction } from '../components/form';
import { Filters, ListState, Pager, useCursorPages } from '../components/lists';
import { TopList } from '../components/bars';
import { WorldMap } from '../components/worldmap';
import {
  AudienceText, cleanAudience, MarkingEditor, markingProblem, OrgLink, TlpBadge, useDirectory, useGroups, type Marking,
} from '../components/coop';
import '../messages/shares';
import { countryName, fmtNumber, label, t } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

const PAGE = 50;
const REPORT_PAGE_SIZES = [10, 25, 50, 100];

function ShareStatus({ status }: { status: string }) {
  return <span class={`badge share-${status}`} data-status={status}>{label('shareStatus', status)}</span>;
}

// A page of shares. "Shared with us" is every share the caller may see but its own: the node
// lists them with the caller's own among them, so pages are read until one is full or the end.
async function loadShares(box: string, q: string, from: string, status: string, cursor: string, own: string) {
  if (box === 'ours')
    return get<{ items: Share[]; next_cursor?: string }>('/api/v1/shares', { organisation: own, status, q, cursor, limit: PAGE });
  const items: Share[] = [];
  let next: string | undefined = cursor;
  for (let i = 0; i < 20; i++) {
    const p: { items: Share[]; next_cursor?: string } = await get('/api/v1/shares', { organisation: from, q, cursor: next, limit: PAGE });
    items.push(...p.items.filter((s) => s.organisation !== own));
    next = p.next_cursor;
    if (!next || items.length >= PAGE) break;
  }
  return { items, next_cursor: next };
}

export function Shares({ query, session }: { query: URLSearchParams; session: Session }) {
  const box = query.get('box') === 'ours' ? 'ours' : 'in';
  const q = query.get('q') ?? '';
  const from = box === 'in' ? query.get('from') ?? '' : '';
  const status = box === 'ours' && query.get('status') === 'withdrawn' ? 'withdrawn' : 'active';
  const key = `${box}|${q}|${from}|${status}`;
  const pages = useCursorPages(key);
  const cursor = pages.cursor;
  const dir = useDirectory();
  const page = useAsync(() => loadShares(box, q, from, status, cursor, session.organisation), [key, cursor]);
  useEffect(() => {
    if (page.data) markReady('shares');
  }, [page.data]);
  const href = (patch: Record<string, string>) => {
    const p = new URLSearchParams({ box, q, from, status: box === 'ours' ? status : '', ...patch });
    for (const k of [...p.keys()]) if (!p.get(k) || (k === 'box' && p.get(k) === 'in') || (k === 'status' && p.get(k) === 'active')) p.delete(k);
    return `/shares${p.size ? '?' + p : ''}`;
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    navigate(href({ q: String(f.get('q') ?? '').trim(), from: String(f.get('from') ?? ''), status: String(f.get('status') ?? '') }));
  };
  const items = page.data?.items ?? [];
  const others = (dir.data ?? []).filter((p) => p.name !== session.organisation).map((p) => p.name);
  return (
    <section>
      <h1>{t('shares.title')}</h1>
      <p class="muted">{t('shares.intro')}</p>
      <nav class="tabs" aria-label={t('shares.boxes')}>
        <a href={href({ box: 'in', status: '' })} aria-current={box === 'in' ? 'page' : undefined} data-testid="shares-in">{t('shares.box.in')}</a>
        <a href={href({ box: 'ours', from: '' })} aria-current={box === 'ours' ? 'page' : undefined} data-testid="shares-ours">{t('shares.box.ours')}</a>
      </nav>
      <Filters label={t('shares.filters')} onSubmit={submit} clear={href({ q: '', from: '', status: '' })} key={key}>
        <label class="grow">
          {t('inbox.search')}
          <input type="search" name="q" value={q} placeholder={t('shares.searchPlaceholder')} data-testid="shares-q" />
        </label>
        {box === 'in' ? (
          <label>
            {t('shares.from')}
            <select name="from" value={from} data-testid="shares-from">
              <option value="">{t('common.any')}</option>
              {others.map((o) => <option value={o}>{o}</option>)}
            </select>
          </label>
        ) : (
          <label>
            {t('field.status')}
            <select name="status" value={status} data-testid="shares-status">
              {['active', 'withdrawn'].map((s) => <option value={s}>{label('shareStatus', s)}</option>)}
            </select>
          </label>
        )}
      </Filters>
      <ListState list={page} count={items.length} empty={box === 'in' ? t('shares.emptyIn') : t('shares.emptyOurs')} emptyTestid="shares-empty">
        <div class="table-wrap" aria-busy={page.loading}>
          <table class="data" data-testid="shares-table">
            <caption class="visually-hidden">{box === 'in' ? t('shares.captionIn') : t('shares.captionOurs')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('case.titleField')}</th>
                <th scope="col">{box === 'in' ? t('shares.from') : t('marking.audience')}</th>
                <th scope="col">{t('marking.tlp')}</th>
                <th scope="col" class="num">{t('campaigns.reports')}</th>
                <th scope="col" class="num">{t('nav.indicators')}</th>
                <th scope="col">{t('shares.sharedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr data-id={s.id} data-org={s.organisation} data-status={s.status}>
                  <td class="subject">
                    <a href={`/shares/${s.id}`}>{s.title}</a>
                    {s.status !== 'active' && <> <ShareStatus status={s.status} /></>}
                  </td>
                  <td>{box === 'in' ? <OrgLink name={s.organisation} /> : <AudienceText audience={s.audience} />}</td>
                  <td><TlpBadge tlp={s.tlp} /></td>
                  <td class="num">{fmtNumber(s.stats?.reports ?? 0)}</td>
                  <td class="num">{fmtNumber(s.indicators?.length ?? 0)}</td>
                  <td class="nowrap"><Time iso={s.created_at} /></td>
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

// --- one share -----------------------------------------------------------------------------------

function Contents({ s, stats }: { s: Share; stats: Share['stats'] }) {
  return (
    <Section title={t('share.contents')} id="contents">
      <dl class="facts" data-testid="share-counts">
        <dt>{t('campaigns.reports')}</dt><dd data-testid="share-count-reports">{fmtNumber(s.counts?.reports ?? 0)}</dd>
        <dt>{t('nav.campaigns')}</dt><dd data-testid="share-count-campaigns">{fmtNumber(s.counts?.campaigns ?? 0)}</dd>
        <dt>{t('nav.indicators')}</dt><dd data-testid="share-count-indicators">{fmtNumber(s.counts?.indicators ?? 0)}</dd>
        <dt>{t('field.complaints')}</dt><dd data-testid="share-complaints">{fmtNumber(stats?.complaints ?? 0)}</dd>
        <dt>{t('case.countries')}</dt><dd data-testid="share-country-count">{fmtNumber(stats?.countries?.length ?? 0)}</dd>
        <dt>{t('share.agreementShown')}</dt>
        <dd data-testid="share-agreement">{s.agreement ? <a href={`/agreements/${s.agreement.id}`}>{s.agreement.title}</a> : t('share.noAgreement')}</dd>
        <dt>{t('share.personal')}</dt>
        <dd data-testid="share-personal" data-included={String(!!s.personal_data_included)}>
          {s.personal_data_included ? t('share.personalIncluded') : t('share.personalNotIncluded')}
        </dd>
      </dl>
    </Section>
  );
}

// Who sees the share; its owner changes the marking and audience, withdraws it or shares it again.
function Sharing({ s, owner, session, onSaved }: { s: Share; owner: boolean; session: Session; onSaved: () => void }) {
  const groups = useGroups();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [m, setM] = useState<Marking>({ tlp: s.tlp, audience: s.audience });
  const { busy, error, run } = useAction();
  useEffect(() => setM({ tlp: s.tlp, audience: s.audience }), [s]);
  const patch = async (body: Record<string, unknown>) => {
    await run(async () => {
      await request('PATCH', `/api/v1/shares/${s.id}`, body);
      setEditing(false);
      setConfirming(false);
      onSaved();
    });
  };
  const member = isMember(session);
  return (
    <Section title={t('share.who')} id="sharing">
      <p><TlpBadge tlp={s.tlp} /> <span class="muted small">{label('tlpHelp', s.tlp)}</span></p>
      <p>{t('marking.audience')}: <AudienceText audience={s.audience} groups={groups.data} /></p>
      {owner && !member && <p class="muted small" data-testid="outside-note">{t('marking.outside')}</p>}
      {owner && s.status === 'active' && !editing && !confirming && (
        <div class="form-row">
          {member && <button type="button" class="secondary" onClick={() => setEditing(true)} data-testid="share-edit">{t('share.change')}</button>}
          <button type="button" class="danger" onClick={() => setConfirming(true)} data-testid="share-withdraw">{t('share.withdraw')}</button>
        </div>
      )}
      {owner && member && editing && (
        <form class="stack-form" onSubmit={(e) => {
          e.preventDefault();
          void patch({ tlp: m.tlp, audience: cleanAudience(m.audience) });
        }} data-testid="share-sharing-form">
          <MarkingEditor value={m} onChange={setM} own={session.organisation} idPrefix="share-edit" />
          <div class="form-row">
            <button type="submit" disabled={busy || !!markingProblem(m.tlp, m.audience)} data-testid="share-sharing-save">{t('common.save')}</button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>{t('common.cancel')}</button>
          </div>
        </form>
      )}
      {owner && confirming && (
        <div class="confirm" role="alertdialog" aria-labelledby="withdraw-q" data-testid="share-withdraw-confirm">
          <p id="withdraw-q" class="warn-text">{t('share.withdrawQuestion')}</p>
          <div class="form-row">
            <button type="button" class="danger" disabled={busy} onClick={() => patch({ status: 'withdrawn' })} data-testid="share-withdraw-yes">
              {t('share.withdrawConfirm')}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)} data-testid="share-withdraw-no">{t('common.cancel')}</button>
          </div>
        </div>
      )}
      {owner && member && s.status === 'withdrawn' && (
        <button type="button" class="secondary" disabled={busy} onClick={() => patch({ status: 'active' })} data-testid="share-reactivate">
          {t('share.reactivate')}
        </button>
      )}
      <ErrorBox error={error} />
    </Section>
  );
}

function Charts({ stats }: { stats: Share['stats'] }) {
  const cats: StatRow[] = Object.entries(stats?.categories ?? {}).map(([value, reports]) => ({ value, reports }))
    .sort((a, b) => b.reports - a.reports);
  const countries = stats?.countries ?? [];
  return (
    <div class="grid2 top">
      <TopList title={t('share.categories')} rows={cats} testid="share-categories"
        text={(v) => (v === 'unclassified' ? t('common.pending') : label('category', v))} />
      <section class="card" aria-labelledby="share-countries-h">
        <h2 id="share-countries-h">{t('share.countries')}</h2>
        {countries.length === 0 ? <p class="muted">{t('dashboard.nothing')}</p> : (
          <>
            <WorldMap counts={new Map(countries.map((c) => [c, 1]))} label={t('share.countries')} legend={false}
              describe={(code) => t('share.countryShown', { country: countryName(code) })} />
            <ul class="plain-list small inline-list" data-testid="share-countries">
              {countries.map((c) => <li data-country={c}><Country code={c} /></li>)}
            </ul>
            <p class="muted small">{t('share.countriesNote')}</p>
          </>
        )}
      </section>
    </div>
  );
}

function Indicators({ s }: { s: Share }) {
  const list = s.indicators ?? [];
  return (
    <Section title={t('share.indicators')} id="indicators">
      {list.length === 0 ? <p class="empty">{t('share.noIndicators')}</p> : (
        <table class="data" data-testid="share-indicators">
          <thead>
            <tr>
              <th scope="col">{t('indicators.type')}</th><th scope="col">{t('indicators.value')}</th>
              <th scope="col" class="num">{t('share.sightings', { org: s.organisation })}</th>
              <th scope="col">{t('campaigns.firstSeen')}</th><th scope="col">{t('campaigns.lastSeen')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <tr data-type={i.type} data-value={i.value} data-reports={i.reports ?? 0}>
                <td>{label('indicator', i.type)}</td>
                <td class="mono url-cell">
                  <a href={`/indicators?type=${encodeURIComponent(i.type)}&value=${encodeURIComponent(i.value)}`}>{i.value}</a>
                </td>
                <td class="num">{fmtNumber(i.reports ?? 0)}</td>
                <td class="nowrap"><Time iso={i.first_seen} /></td>
                <td class="nowrap"><Time iso={i.last_seen} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

// A few of a list, and how many more there are.
function Some({ items, n = 5 }: { items: string[]; n?: number }) {
  if (!items.length) return <span class="muted">—</span>;
  return (
    <span class="mono small">
      {items.slice(0, n).join(', ')}
      {items.length > n && <span class="muted"> {t('share.andMore', { n: items.length - n })}</span>}
    </span>
  );
}

// What a shared report's analysis says: origin, authentication, classification and its reasons,
// indicators. The analysis holds no personal data.
function AnalysisView({ a }: { a: Analysis | null | undefined }) {
  if (!a) return <p class="muted">{t('share.noAnalysis')}</p>;
  const o = a.origin;
  const ind = a.indicators;
  const auth = a.authentication;
  return (
    <dl class="facts analysis" data-testid="share-analysis">
      <dt>{t('report.origin')}</dt>
      <dd data-testid="analysis-origin">
        {o ? (
          <>
            <span class="mono">{o.ip}</span> <Country code={o.country} /> <Network asn={o.asn} org={o.as_org} />
            <div class="small muted">{label('originKind', o.kind)} · {t('report.confidence')}: {label('confidence', o.confidence)} · {o.reason}</div>
          </>
        ) : t('report.noOrigin')}
      </dd>
      {a.headers && (
        <>
          <dt>{t('field.from')}</dt>
          <dd class="mono small">{a.headers.from ? `${a.headers.from.name ?? ''} <${a.headers.from.address ?? ''}>` : '—'}</dd>
        </>
      )}
      <dt>{t('report.authentication')}</dt>
      <dd class="small">{t('share.auth', { spf: auth.spf ?? '—', dkim: auth.dkim ?? '—', dmarc: auth.dmarc ?? '—' })}</dd>
      <dt>{t('report.classification')}</dt>
      <dd>
        <CategoryBadge category={a.classification.category} />
        {a.classification.reasons.length > 0 && (
          <ul class="reasons small">{a.classification.reasons.map((r) => <li>{r}</li>)}</ul>
        )}
      </dd>
      <dt>{t('share.domains')}</dt><dd><Some items={ind.domains.map((d) => d.host)} /></dd>
      <dt>{t('share.links')}</dt><dd><Some items={ind.urls.map((u) => u.url)} n={3} /></dd>
      <dt>{t('share.ips')}</dt><dd><Some items={ind.ips.map((i) => i.ip)} /></dd>
      <dt>{t('share.other')}</dt>
      <dd>
        <Some items={[...ind.emails.map((e) => e.address), ...ind.phones.map((p) => p.number), ...ind.payments.map((p) => p.value),
          ...ind.attachments.map((x) => x.filename ?? x.sha256)]} />
      </dd>
    </dl>
  );
}

function Reports({ s, session, onLoaded }: { s: Share; session: Session; onLoaded: () => void }) {
  const [size, setSize] = useState(PAGE);
  const pages = useCursorPages(`${s.id}|${size}`);
  const cursor = pages.cursor;
  const [open, setOpen] = useState('');
  const page = useAsync(() => get<SharedReportPage>(`/api/v1/shares/${s.id}/reports`, { with: 'analysis', cursor, limit: size }),
    [s.id, cursor, size]);
  useEffect(() => {
    if (page.data || page.error) onLoaded();
  }, [page.data, page.error]);
  const rows: SharedReport[] = page.data?.items ?? [];
  const personal = !!page.data?.personal_data_included;
  const raw = personal && can(session, PERM.readEvidence);
  const first = (pages.number - 1) * size;
  const total = s.counts?.reports ?? 0;
  return (
    <Section title={t('share.reports')} id="reports">
      <div class="toolbar">
        <p class="muted small" data-testid="share-range" aria-live="polite">
          {rows.length ? t('share.range', { from: first + 1, to: first + rows.length, total }) : t('share.noReports')}
        </p>
        <label class="small">{t('share.perPage')}{' '}
          <select value={String(size)} onChange={(e) => setSize(Number((e.target as HTMLSelectElement).value))} data-testid="share-page-size">
            {REPORT_PAGE_SIZES.map((n) => <option value={String(n)}>{n}</option>)}
          </select>
        </label>
      </div>
      {!raw && <p class="muted small" data-testid="share-raw-note">{t('share.rawUnavailable')}</p>}
      <ErrorBox error={page.error} />
      <div class="table-wrap" aria-busy={page.loading}>
        <table class="data" data-testid="share-reports">
          <thead>
            <tr>
              <th scope="col">{t('field.category')}</th><th scope="col">{t('field.subject')}</th>
              <th scope="col">{t('field.origin')}</th><th scope="col" class="num">{t('field.complaints')}</th>
              <th scope="col">{t('field.received')}</th><th scope="col">{t('share.analysis')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const subject = r.subject ?? t('report.noSubject');
              return (
                <>
                  <tr data-id={r.id} data-category={r.category ?? ''}>
                    <td><CategoryBadge category={r.category} /></td>
                    <td class="subject">
                      {r.organisation === session.organisation && can(session, PERM.readReports)
                        ? <a href={`/reports/${r.id}`}>{subject}</a> : <span>{subject}</span>}
                    </td>
                    <td><Country code={r.origin_country} /> {r.origin_asn ? <Network asn={r.origin_asn} /> : null}</td>
                    <td class="num">{fmtNumber(r.complaints ?? 0)}</td>
                    <td class="nowrap"><Time iso={r.first_seen} /></td>
                    <td class="nowrap">
                      <button type="button" class="link small" aria-expanded={open === r.id} aria-controls={`analysis-${r.id}`}
                        aria-label={t('share.showAnalysis', { subject })} onClick={() => setOpen(open === r.id ? '' : r.id)}
                        data-testid="show-analysis">{t('share.analysis')}</button>
                      {raw && (
                        <>
                          {' · '}
                          <a href={`/api/v1/shares/${s.id}/reports/${r.id}/raw`} data-testid="share-raw">{t('share.raw')}</a>
                        </>
                      )}
                    </td>
                  </tr>
                  {open === r.id && (
                    <tr class="detail-row" id={`analysis-${r.id}`}>
                      <td colSpan={6}>
                        <AnalysisView a={r.analysis} />
                        {personal && r.personal_data && (
                          <details><summary>{t('share.personal')}</summary><pre class="small">{JSON.stringify(r.personal_data, null, 2)}</pre></details>
                        )}
                      </td>
                    </tr>
                  )}
                </>
              );
            })}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={page.data?.next_cursor} label={t('share.reports')} testid="share-reports" />
    </Section>
  );
}

export function SharePage({ id, session }: { id: string; session: Session }) {
  const sh = useAsync(() => get<Share>(`/api/v1/shares/${id}`), [id]);
  const st = useAsync(() => get<Share['stats']>(`/api/v1/shares/${id}/stats`), [id]);
  const s = sh.data;
  const [reportsShown, setReportsShown] = useState(false);
  useEffect(() => {
    if (s && st.data && reportsShown) markReady('share');
  }, [s, st.data, reportsShown]);
  const owner = !!s && s.organisation === session.organisation && can(session, PERM.manageCases);
  const reload = () => {
    sh.reload();
    st.reload();
  };
  return (
    <article class="share">
      <p class="crumbs"><a href={s && s.organisation === session.organisation ? '/shares?box=ours' : '/shares'}>{t('shares.title')}</a></p>
      <h1>{s ? s.title : t('share.heading', { id })}</h1>
      <ErrorBox error={sh.error || st.error} />
      <Loading when={sh.loading && !s} />
      {s && (
        <>
          <div class="case-head">
            <TlpBadge tlp={s.tlp} />
            <ShareStatus status={s.status} />
            <span data-testid="share-by">
              {t('shares.from')} {s.organisation === session.organisation ? s.organisation : <OrgLink name={s.organisation} />}
            </span>
            <span class="muted small">{t('share.made')} <Time iso={s.created_at} /></span>
            <a class="button" href={`/api/v1/shares/${s.id}/export`} data-testid="share-export">{t('share.export')}</a>
          </div>
          {s.status === 'withdrawn' && <p class="notice" role="status" data-testid="share-withdrawn">{t('share.withdrawnNotice')}</p>}
          {s.summary && <p class="summary prewrap" data-testid="share-summary">{s.summary}</p>}
          <div class="grid2">
            <Contents s={s} stats={st.data} />
            <Sharing s={s} owner={owner} session={session} onSaved={reload} />
          </div>
          <Charts stats={st.data} />
          <Indicators s={s} />
          <Reports s={s} session={session} onLoaded={() => setReportsShown(true)} />
        </>
      )}
    </article>
  );
}
