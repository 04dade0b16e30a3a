// The dashboard: reports over time by category, a world choropleth of origin countries, the top
// networks and registrable domains. Every element opens the inbox filtered by what it shows.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, type Page, type ReportSummary, type StatRow } from '../api';
import { ErrorBox, Loading, errorText, inboxHref } from '../components/common';
import { PALETTE, TimeChart } from '../components/chart';
import { TopList } from '../components/bars';
import { loadWorld, WorldMap } from '../components/worldmap';
import { countryName, fmtNumber, label, t, tn } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

const RANGES = [30, 90, 365, 0] as const;  // days; 0 = everything

interface Data {
  total: number;
  byDay: StatRow[];
  categories: StatRow[];
  countries: StatRow[];
  asns: StatRow[];
  domains: StatRow[];
}

function sinceFor(days: number): string | undefined {
  if (!days) return undefined;
  const d = new Date(Date.now() - (days - 1) * 86400000);
  return d.toISOString().slice(0, 10) + 'T00:00:00Z';
}

async function load(since: string | undefined): Promise<Data> {
  const s = (dimension: string, extra: Record<string, string | number> = {}) =>
    get<{ items: StatRow[] }>('/api/v1/stats', { dimension, since, ...extra }).then((r) => r.items);
  const [total, byDay, categories, countries, asns, domains] = await Promise.all([
    s('total'), s('category', { by: 'day', limit: 8 }), s('category', { limit: 20 }), s('origin_country', { limit: 250 }),
    s('origin_asn', { limit: 10 }), s('domain', { limit: 10 }),
  ]);
  return { total: total.reduce((n, r) => n + r.reports, 0), byDay, categories, countries, asns, domains };
}

// Names of the top networks, from one report of each (the aggregates carry numbers only).
function useAsNames(asns: StatRow[]) {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    let live = true;
    for (const a of asns) {
      get<Page<ReportSummary>>('/api/v1/reports', { asn: a.value, limit: 1, with: 'origin' }).then((p) => {
        const org = p.items[0]?.origin?.as_org;
        if (live && org) setNames((n) => ({ ...n, [a.value]: org }));
      }, () => undefined);
    }
    return () => {
      live = false;
    };
  }, [asns.map((a) => a.value).join()]);
  return names;
}

export function Dashboard({ query }: { query: URLSearchParams }) {
  const days = Number(query.get('days') ?? 90);
  const range = (RANGES as readonly number[]).includes(days) ? days : 90;
  const since = sinceFor(range);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setError('');
    // Interactive once the figures and the map's outlines are both there.
    const world = loadWorld().catch(() => null);
    load(since).then(async (d) => {
      if (!live) return;
      setData(d);
      await world;
      markReady('dashboard');
    }, (e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [range]);
  const asNames = useAsNames(data?.asns ?? []);
  const withRange = (f: Record<string, string | number>) => inboxHref(since ? { ...f, since } : f);

  const chart = useMemo(() => {
    if (!data) return null;
    const dayList: string[] = [];
    const start = since ? Date.parse(since) : data.byDay.length ? Math.min(...data.byDay.map((r) => Date.parse(r.day! + 'T00:00:00Z'))) : Date.now();
    for (let d = start; d <= Date.now(); d += 86400000) dayList.push(new Date(d).toISOString().slice(0, 10));
    const index = new Map(dayList.map((d, i) => [d, i]));
    const cats = [...new Set(data.byDay.map((r) => r.value))];
    const series = cats.map((c) => {
      const values: (number | null)[] = dayList.map(() => 0);
      for (const r of data.byDay) if (r.value === c && index.has(r.day!)) values[index.get(r.day!)!] = r.reports;
      return { key: c, label: label('category', c), values };
    });
    return { days: dayList, series };
  }, [data]);

  return (
    <section class="dashboard">
      <h1>{t('dashboard.title')}</h1>
      <div class="toolbar">
        <label>
          {t('dashboard.range')}{' '}
          <select value={String(range)} onChange={(e) => navigate(`/dashboard?days=${(e.target as HTMLSelectElement).value}`)}
            data-testid="range">
            {RANGES.map((r) => <option value={String(r)}>{r ? tn('count.days', r) : t('dashboard.all')}</option>)}
          </select>
        </label>
        {data && <p class="total" data-testid="total"><strong>{fmtNumber(data.total)}</strong> {t('dashboard.reports')}</p>}
      </div>
      <ErrorBox error={error} />
      <Loading when={!data && !error} />
      {data && chart && (
        <>
          <section class="card wide" aria-labelledby="over-time">
            <h2 id="over-time">{t('dashboard.overTime')}</h2>
            {chart.series.length ? (
              <TimeChart days={chart.days} series={chart.series} ariaLabel={t('dashboard.overTime')}
                onPick={(day, cat) => navigate(inboxHref({ ...(cat ? { category: cat } : {}), since: `${day}T00:00:00Z`, until: `${day}T23:59:59Z` }))} />
            ) : <p class="muted">{t('dashboard.nothing')}</p>}
            <ul class="legend" data-testid="category-legend">
              {data.categories.map((c) => {
                const i = chart.series.findIndex((s) => s.key === c.value);
                return (
                  <li>
                    <a href={withRange({ category: c.value })} data-category={c.value}>
                      <span class="swatch" style={{ background: i >= 0 ? PALETTE[i % PALETTE.length] : '#ccc' }} aria-hidden="true" />
                      {label('category', c.value)} <span class="muted">{fmtNumber(c.reports)}</span>
                    </a>
                  </li>
                );
              })}
            </ul>
          </section>
          <section class="card wide" aria-labelledby="by-country">
            <h2 id="by-country">{t('dashboard.countries')}</h2>
            <WorldMap counts={new Map(data.countries.map((c) => [c.value, c.reports]))} label={t('dashboard.countries')}
              hrefFor={(code) => withRange({ origin_country: code })} />
          </section>
          <div class="grid3">
            <TopList title={t('dashboard.topCountries')} rows={data.countries.slice(0, 10)} testid="top-countries"
              href={(v) => withRange({ origin_country: v })} text={(v) => `${countryName(v)} (${v})`} />
            <TopList title={t('dashboard.topAsns')} rows={data.asns} testid="top-asns"
              href={(v) => withRange({ asn: v })} text={(v) => `AS${v}${asNames[v] ? ' ' + asNames[v] : ''}`} />
            <TopList title={t('dashboard.topDomains')} rows={data.domains} testid="top-domains"
              href={(v) => withRange({ domain: v })} text={(v) => v} />
          </div>
        </>
      )}
    </section>
  );
}
