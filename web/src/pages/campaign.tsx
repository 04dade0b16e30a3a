// One campaign: its volume over time, where it came from (map), what it points to (top
// indicators), and its member reports. The chart is computed from the member reports loaded
// (up to MAX_MEMBERS, newest first); the facets come from the server over every member.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { can, get, isMember, isMemberAgency, PERM, type Campaign, type Page, type ReportSummary, type Session } from '../api';
import { CategoryBadge, ErrorBox, Loading, Network, Time, errorText, inboxHref, useAsync } from '../components/common';
import { TimeChart } from '../components/chart';
import { WorldMap } from '../components/worldmap';
import { countryName, fmtNumber, label, t } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';
import { MakeCase } from '../components/makecase';
import { ReferLink } from '../components/flows';
import { ShareAction } from '../components/share';

const MAX_MEMBERS = 2000;

function useMembers(id: string) {
  const [state, setState] = useState<{ items: ReportSummary[]; done: boolean; more: boolean; error: string }>({
    items: [], done: false, more: false, error: '',
  });
  useEffect(() => {
    let live = true;
    setState({ items: [], done: false, more: false, error: '' });
    (async () => {
      let cursor = '';
      const items: ReportSummary[] = [];
      while (live && items.length < MAX_MEMBERS) {
        const p = await get<Page<ReportSummary>>('/api/v1/reports', { campaign: id, limit: 500, cursor });
        items.push(...p.items);
        if (live) setState({ items: [...items], done: false, more: false, error: '' });
        if (!p.next_cursor) {
          if (live) setState({ items, done: true, more: false, error: '' });
          return;
        }
        cursor = p.next_cursor;
      }
      if (live) setState({ items, done: true, more: true, error: '' });
    })().catch((e) => live && setState((s) => ({ ...s, done: true, error: errorText(e) })));
    return () => {
      live = false;
    };
  }, [id]);
  return state;
}

export function CampaignPage({ id, session }: { id: string; session: Session }) {
  const camp = useAsync(() => get<Campaign>(`/api/v1/campaigns/${id}`), [id]);
  const members = useMembers(id);
  const c = camp.data;
  useEffect(() => {
    if (c) markReady('campaign');
  }, [c]);
  const chart = useMemo(() => {
    if (!members.items.length) return null;
    const counts = new Map<string, number>();
    for (const r of members.items) counts.set(r.first_seen.slice(0, 10), (counts.get(r.first_seen.slice(0, 10)) ?? 0) + 1);
    // At least a week is drawn, so that one busy day reads as a day.
    const last0 = Math.max(...[...counts.keys()].map((d) => Date.parse(d + 'T00:00:00Z')));
    const first = Math.min(last0 - 6 * 86400000, ...[...counts.keys()].map((d) => Date.parse(d + 'T00:00:00Z')));
    const last = Math.max(...[...counts.keys()].map((d) => Date.parse(d + 'T00:00:00Z')));
    const days: string[] = [];
    for (let d = first; d <= last; d += 86400000) days.push(new Date(d).toISOString().slice(0, 10));
    return { days, series: [{ key: 'reports', label: t('campaigns.reports'), values: days.map((d) => counts.get(d) ?? 0) }] };
  }, [members.items]);
  return (
    <article class="campaign">
      <p class="crumbs"><a href="/campaigns">{t('nav.campaigns')}</a></p>
      <h1>{t('report.campaignN', { n: c?.id ?? id })}</h1>
      <ErrorBox error={camp.error} />
      <Loading when={camp.loading && !c} />
      {c && (
        <>
          <dl class="facts inline">
            <dt>{t('campaigns.reports')}</dt><dd data-testid="campaign-reports">{fmtNumber(c.reports)}</dd>
            <dt>{t('campaigns.firstSeen')}</dt><dd><Time iso={c.first_seen} /></dd>
            <dt>{t('campaigns.lastSeen')}</dt><dd><Time iso={c.last_seen} /></dd>
            <dt>{t('field.category')}</dt>
            <dd>{(c.categories ?? []).map((x) => <a href={inboxHref({ campaign: c.id, category: x.value })}><CategoryBadge category={x.value} /> {fmtNumber(x.reports)} </a>)}</dd>
          </dl>
          {can(session, PERM.manageCases) && isMember(session) && (
            <div class="toolbar">
              {isMemberAgency(session) && (
                <MakeCase session={session} sources={{ campaigns: [c.id] }} title={t('report.campaignN', { n: c.id })} count={c.reports} />
              )}
              <ReferLink session={session} campaign={c.id} />
              <ShareAction session={session} sources={{ campaigns: [c.id] }} title={t('report.campaignN', { n: c.id })} count={c.reports} />
            </div>
          )}
          <section class="card wide" aria-labelledby="volume">
            <h2 id="volume">{t('campaign.volume')}</h2>
            {chart && <TimeChart days={chart.days} series={chart.series} ariaLabel={t('campaign.volume')} height={200}
              onPick={(day) => navigate(inboxHref({ campaign: c.id, since: `${day}T00:00:00Z`, until: `${day}T23:59:59Z` }))} />}
            {members.more && <p class="muted small">{t('campaign.partial', { n: fmtNumber(members.items.length) })}</p>}
          </section>
          <div class="grid2">
            <section class="card" aria-labelledby="where">
              <h2 id="where">{t('campaign.countries')}</h2>
              <WorldMap counts={new Map((c.origin_countries ?? []).map((x) => [x.value, x.reports]))} label={t('campaign.countries')}
                hrefFor={(code) => inboxHref({ campaign: c.id, origin_country: code })} />
              <ul class="plain-list small">
                {(c.origin_countries ?? []).slice(0, 10).map((x) => <li><a href={inboxHref({ campaign: c.id, origin_country: x.value })}>{countryName(x.value)}</a> {fmtNumber(x.reports)}</li>)}
                {(c.origin_asns ?? []).slice(0, 10).map((x) => <li><a href={inboxHref({ campaign: c.id, asn: x.value })}><Network asn={x.value} /></a> {fmtNumber(x.reports)}</li>)}
              </ul>
            </section>
            <section class="card" aria-labelledby="top-ind">
              <h2 id="top-ind">{t('campaign.topIndicators')}</h2>
              <table class="data compact" data-testid="campaign-indicators">
                <thead><tr><th scope="col">{t('indicators.type')}</th><th scope="col">{t('indicators.value')}</th><th scope="col" class="num">{t('campaigns.reports')}</th></tr></thead>
                <tbody>
                  {(c.top_indicators ?? []).map((i) => (
                    <tr><td>{label('indicator', i.type)}</td><td class="mono url-cell"><a href={inboxHref({ [i.type]: i.value })}>{i.value}</a></td><td class="num">{fmtNumber(i.reports)}</td></tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
          <section class="card wide" aria-labelledby="members">
            <h2 id="members">{t('campaign.members')}</h2>
            <ErrorBox error={members.error} />
            <table class="data" data-testid="campaign-members">
              <thead><tr><th scope="col">{t('field.category')}</th><th scope="col">{t('field.subject')}</th><th scope="col">{t('field.received')}</th></tr></thead>
              <tbody>
                {members.items.slice(0, 200).map((r) => (
                  <tr data-id={r.id}><td><CategoryBadge category={r.category} /></td><td class="subject"><a href={`/reports/${r.id}`}>{r.subject ?? t('report.noSubject')}</a></td><td><Time iso={r.first_seen} /></td></tr>
                ))}
              </tbody>
            </table>
            <p><a href={inboxHref({ campaign: c.id })}>{t('campaign.allInInbox')}</a></p>
          </section>
        </>
      )}
    </article>
  );
}
