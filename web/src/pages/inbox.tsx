// The inbox: the organisation's reports with every filter of GET /api/v1/reports, newest first,
// a page at a time (cursor pagination). The filters live in the URL. Keyboard: "/" search,
// j/k or arrows move, Enter opens, n/p next and previous page.
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { can, CATEGORIES, get, INDICATOR_TYPES, isMember, isMemberAgency, PERM, type Page, type ReportSummary, type Session } from '../api';
import { CategoryBadge, Country, ErrorBox, Network, Time, useAsync } from '../components/common';
import { label, t, tn, type Key } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

const PAGE_SIZE = 50;
const FILTERS = ['q', 'category', 'origin_country', 'asn', 'since', 'until', 'campaign', ...INDICATOR_TYPES] as const;

type SortKey = 'category' | 'subject' | 'country' | 'network' | 'received';

function filtersOf(query: URLSearchParams): Record<string, string> {
  const f: Record<string, string> = {};
  for (const k of FILTERS) {
    const v = query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function sortValue(r: ReportSummary, k: SortKey): string | number {
  switch (k) {
    case 'category': return r.category ?? '';
    case 'subject': return (r.subject ?? '').toLocaleLowerCase();
    case 'country': return r.origin?.country ?? '';
    case 'network': return r.origin?.asn ?? 0;
    case 'received': return r.first_seen;
  }
}

// The reports selected in the inbox, made into a case or added to one (member agencies), or
// shared (members). The forms are loaded on the first selection, so the inbox's first load does
// not carry them.
function Selection({ ids, session, onClear }: { ids: string[]; session: Session; onClear: () => void }) {
  const [Make, setMake] = useState<ComponentType<any> | null>(null);
  const [Share, setShare] = useState<ComponentType<any> | null>(null);
  useEffect(() => {
    if (!Make && isMemberAgency(session)) import('../components/makecase').then((m) => setMake(() => m.MakeCase));
    if (!Share) import('../components/share').then((m) => setShare(() => m.ShareAction));
  }, []);
  return (
    <div class="toolbar selection" role="region" aria-label={t('inbox.selection')} data-testid="inbox-selection">
      <span aria-live="polite">{tn('inbox.selected', ids.length)}</span>
      {Make && <Make session={session} sources={{ reports: ids }} title={t('makeCase.selectedTitle', { n: ids.length })} count={ids.length} />}
      {Share && <Share session={session} sources={{ reports: ids }} title={t('share.selectedTitle', { n: ids.length })} count={ids.length} />}
      <button type="button" class="secondary" onClick={onClear}>{t('inbox.unselect')}</button>
    </div>
  );
}

function FilterForm({ filters }: { filters: Record<string, string> }) {
  const indicatorType = INDICATOR_TYPES.find((k) => filters[k]) ?? 'domain';
  const [itype, setItype] = useState<string>(indicatorType);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const p = new URLSearchParams();
    for (const k of ['q', 'category', 'origin_country', 'asn', 'campaign']) {
      const v = String(form.get(k) ?? '').trim();
      if (v) p.set(k, k === 'origin_country' ? v.toUpperCase() : v);
    }
    const since = String(form.get('since') ?? ''), until = String(form.get('until') ?? '');
    if (since) p.set('since', `${since}T00:00:00Z`);
    if (until) p.set('until', `${until}T23:59:59Z`);
    const iv = String(form.get('indicator_value') ?? '').trim();
    if (iv) p.set(String(form.get('indicator_type')), iv);
    navigate(`/inbox${p.size ? '?' + p : ''}`);
  };
  return (
    <form class="filters" onSubmit={submit} role="search" aria-label={t('inbox.filters')}>
      <label class="grow">
        {t('inbox.search')}
        <input type="search" name="q" id="inbox-q" value={filters.q ?? ''} placeholder={t('inbox.searchPlaceholder')} />
      </label>
      <label>
        {t('field.category')}
        <select name="category" value={filters.category ?? ''}>
          <option value="">{t('common.any')}</option>
          {CATEGORIES.map((c) => <option value={c}>{label('category', c)}</option>)}
        </select>
      </label>
      <label>
        {t('field.country')}
        <input name="origin_country" size={3} maxLength={2} pattern="[A-Za-z]{2}" value={filters.origin_country ?? ''}
          placeholder="DE" />
      </label>
      <label>
        {t('field.asn')}
        <input name="asn" size={9} value={filters.asn ?? ''} placeholder="AS7018" pattern="(AS|as)?[0-9]+" />
      </label>
      <label>
        {t('inbox.since')}
        <input type="date" name="since" value={(filters.since ?? '').slice(0, 10)} />
      </label>
      <label>
        {t('inbox.until')}
        <input type="date" name="until" value={(filters.until ?? '').slice(0, 10)} />
      </label>
      <label>
        {t('field.campaign')}
        <input name="campaign" size={6} inputMode="numeric" pattern="[0-9]+" value={filters.campaign ?? ''} />
      </label>
      <fieldset class="indicator-filter">
        <legend>{t('field.indicator')}</legend>
        <select name="indicator_type" value={itype} aria-label={t('indicators.type')}
          onChange={(e) => setItype((e.target as HTMLSelectElement).value)}>
          {INDICATOR_TYPES.map((k) => <option value={k}>{label('indicator', k)}</option>)}
        </select>
        <input name="indicator_value" aria-label={t('indicators.value')} value={filters[indicatorType] ?? ''} />
      </fieldset>
      <div class="actions">
        <button type="submit">{t('inbox.apply')}</button>
        <a class="button secondary" href="/inbox">{t('inbox.clear')}</a>
      </div>
    </form>
  );
}

export function Inbox({ query, session }: { query: URLSearchParams; session: Session }) {
  const filters = useMemo(() => filtersOf(query), [query.toString()]);
  const key = JSON.stringify(filters);
  // Cursors of the pages before this one, for "previous page".
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'received', desc: true });
  const [selected, setSelected] = useState(0);
  const [picked, setPicked] = useState<string[]>([]);
  const canPick = can(session, PERM.manageCases) && can(session, PERM.readReports) && isMember(session);
  const tableRef = useRef<HTMLTableElement>(null);
  useEffect(() => {
    setCursors([]);
    setCursor('');
    setSelected(0);
    setPicked([]);
  }, [key]);
  const page = useAsync(
    () => get<Page<ReportSummary>>('/api/v1/reports', { ...filters, limit: PAGE_SIZE, cursor, with: 'origin' }),
    [key, cursor],
  );
  useEffect(() => {
    if (page.data) markReady('inbox');
  }, [page.data]);
  const rows = useMemo(() => {
    const items = [...(page.data?.items ?? [])];
    if (sort.key === 'received' && sort.desc) return items;  // the server's order
    items.sort((a, b) => {
      const x = sortValue(a, sort.key), y = sortValue(b, sort.key);
      return (x < y ? -1 : x > y ? 1 : 0) * (sort.desc ? -1 : 1);
    });
    return items;
  }, [page.data, sort]);

  const next = () => {
    if (!page.data?.next_cursor) return;
    setCursors([...cursors, cursor]);
    setCursor(page.data.next_cursor);
    setSelected(0);
  };
  const prev = () => {
    if (!cursors.length) return;
    setCursor(cursors[cursors.length - 1]);
    setCursors(cursors.slice(0, -1));
    setSelected(0);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (target.closest('input, select, textarea')) {
        if (e.key === 'Escape') target.blur();
        return;
      }
      const n = rows.length;
      if (e.key === '/') {
        e.preventDefault();
        document.getElementById('inbox-q')?.focus();
      } else if ((e.key === 'j' || e.key === 'ArrowDown') && n) {
        e.preventDefault();
        setSelected((s) => Math.min(n - 1, s + 1));
      } else if ((e.key === 'k' || e.key === 'ArrowUp') && n) {
        e.preventDefault();
        setSelected((s) => Math.max(0, s - 1));
      } else if (e.key === 'Enter' && n && !target.closest('a, button')) {
        navigate(`/reports/${rows[Math.min(selected, n - 1)].id}`);
      } else if (e.key === 'n') next();
      else if (e.key === 'p') prev();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  useEffect(() => {
    const row = tableRef.current?.querySelector<HTMLElement>(`tbody tr:nth-child(${selected + 1}) a`);
    if (row && tableRef.current?.contains(document.activeElement)) row.focus();
  }, [selected]);

  const header = (k: SortKey, labelKey: Key) => {
    const active = sort.key === k;
    return (
      <th scope="col" aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
        <button type="button" class="sort" onClick={() => setSort({ key: k, desc: active ? !sort.desc : k === 'received' })}>
          {t(labelKey)}
          <span aria-hidden="true">{active ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
        </button>
      </th>
    );
  };
  const active = Object.entries(filters);
  const pageNumber = cursors.length + 1;
  return (
    <section class="inbox">
      <h1>{t('inbox.title')}</h1>
      <FilterForm filters={filters} key={key} />
      {active.length > 0 && (
        <p class="active-filters" data-testid="active-filters">
          {t('inbox.filteredBy')}{' '}
          {active.map(([k, v]) => <span class="chip">{label('filter', k)}: {k === 'category' ? label('category', v) : v}</span>)}
        </p>
      )}
      {picked.length > 0 && <Selection ids={picked} session={session} onClear={() => setPicked([])} />}
      <ErrorBox error={page.error} />
      <div class="table-wrap" aria-busy={page.loading}>
        <table class="reports" ref={tableRef} data-testid="inbox-table">
          <caption class="visually-hidden">{t('inbox.caption')}</caption>
          <thead>
            <tr>
              {canPick && (
                <th scope="col" class="pick">
                  <input type="checkbox" aria-label={t('inbox.selectPage')} data-testid="select-page"
                    checked={rows.length > 0 && rows.every((r) => picked.includes(r.id))}
                    onChange={(e) => {
                      const on = (e.target as HTMLInputElement).checked;
                      const ids = rows.map((r) => r.id);
                      setPicked(on ? [...new Set([...picked, ...ids])] : picked.filter((x) => !ids.includes(x)));
                    }} />
                </th>
              )}
              {header('category', 'field.category')}
              {header('subject', 'field.subject')}
              {header('country', 'field.origin')}
              {header('network', 'field.network')}
              {header('received', 'field.received')}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr class={i === selected ? 'selected' : ''} data-id={r.id}
                onClick={(e) => (e.target as Element).closest('td.pick') || setSelected(i)}>
                {canPick && (
                  <td class="pick">
                    <input type="checkbox" checked={picked.includes(r.id)} data-testid="pick"
                      aria-label={t('inbox.selectReport', { subject: r.subject ?? r.id.slice(0, 12) })}
                      onChange={(e) => setPicked((e.target as HTMLInputElement).checked ? [...picked, r.id] : picked.filter((x) => x !== r.id))} />
                  </td>
                )}
                <td><CategoryBadge category={r.category} /></td>
                <td class="subject">
                  <a href={`/reports/${r.id}`} onFocus={() => setSelected(i)}>
                    {r.subject ?? <span class="muted">{r.kind === 'sms' ? t('report.sms') : t('report.noSubject')}</span>}
                  </a>
                  {r.complaints > 1 && <span class="muted small"> · {tn('count.complaints', r.complaints)}</span>}
                </td>
                <td class="origin"><Country code={r.origin?.country} /></td>
                <td><Network asn={r.origin?.asn} org={r.origin?.as_org} /></td>
                <td class="nowrap"><Time iso={r.first_seen} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {!page.loading && !page.error && rows.length === 0 && <p class="empty">{t('inbox.empty')}</p>}
      </div>
      <nav class="pager" aria-label={t('inbox.pages')}>
        <button type="button" class="secondary" onClick={prev} disabled={!cursors.length}>{t('inbox.prev')}</button>
        <span aria-live="polite">{t('inbox.page', { n: pageNumber })}</span>
        <button type="button" class="secondary" onClick={next} disabled={!page.data?.next_cursor}>{t('inbox.next')}</button>
      </nav>
      <p class="muted small keys">{t('inbox.keys')}</p>
      {!session.permissions.includes('read reports') && <p class="error">{t('error.forbidden')}</p>}
    </section>
  );
}
