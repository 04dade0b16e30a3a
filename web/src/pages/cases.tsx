// Cases the organisation owns or that were shared with it, the most harmful first (or the most
// recently changed), with words and status filters in the URL and cursor pages.
import { useEffect } from 'preact/hooks';
import { get, type Page, type Session } from '../api';
import { CASE_STATUSES, type Case } from '../coop';
import { Time, useAsync } from '../components/common';
import { Filters, ListState, Pager, useCursorPages } from '../components/lists';
import { Bar, OrgLink, TlpBadge } from '../components/coop';
import { fmtNumber, label, t } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

export function HarmScore({ score }: { score: number }) {
  const tone = score >= 60 ? 'high' : score >= 30 ? 'medium' : 'low';
  return (
    <span class="harm" data-score={score}>
      <Bar value={score} max={100} tone={tone} />
      <span class="harm-value">{t('case.harmOf', { score: fmtNumber(score) })}</span>
    </span>
  );
}

export function Cases({ query, session }: { query: URLSearchParams; session: Session }) {
  const sort = query.get('sort') === 'updated' ? 'updated' : 'harm';
  const q = query.get('q') ?? '';
  const status = query.get('status') ?? '';
  const key = `${sort}|${q}|${status}`;
  const pages = useCursorPages(key);
  const cursor = pages.cursor;
  const page = useAsync(() => get<Page<Case>>('/api/v1/cases', { sort, q, status, cursor, limit: 50 }), [key, cursor]);
  useEffect(() => {
    if (page.data) markReady('cases');
  }, [page.data]);
  const go = (patch: Record<string, string>) => {
    const p = new URLSearchParams({ sort, q, status, ...patch });
    for (const k of [...p.keys()]) if (!p.get(k) || (k === 'sort' && p.get(k) === 'harm')) p.delete(k);
    navigate(`/cases${p.size ? '?' + p : ''}`);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    go({ q: String(form.get('q') ?? '').trim(), status: String(form.get('status') ?? '') });
  };
  const items = page.data?.items ?? [];
  return (
    <section>
      <h1>{t('cases.title')}</h1>
      <p class="muted">{t('cases.intro')}</p>
      <Filters label={t('cases.filters')} onSubmit={submit} clear="/cases" key={key}>
        <label class="grow">
          {t('inbox.search')}
          <input type="search" name="q" value={q} placeholder={t('cases.searchPlaceholder')} data-testid="cases-q" />
        </label>
        <label>
          {t('field.status')}
          <select name="status" value={status}>
            <option value="">{t('common.any')}</option>
            {CASE_STATUSES.map((s) => <option value={s}>{label('caseStatus', s)}</option>)}
          </select>
        </label>
      </Filters>
      <div class="toolbar" role="group" aria-label={t('cases.sortBy')}>
        <span>{t('cases.sortBy')}</span>
        <button type="button" class={sort === 'harm' ? '' : 'secondary'} aria-pressed={sort === 'harm'} onClick={() => go({ sort: 'harm' })}>
          {t('cases.byHarm')}
        </button>
        <button type="button" class={sort === 'updated' ? '' : 'secondary'} aria-pressed={sort === 'updated'} onClick={() => go({ sort: 'updated' })}>
          {t('cases.byUpdated')}
        </button>
      </div>
      <ListState list={page} count={items.length} empty={t('cases.empty')}>
        <div class="table-wrap" aria-busy={page.loading}>
          <table class="data" data-testid="cases-table">
            <caption class="visually-hidden">{sort === 'harm' ? t('cases.captionHarm') : t('cases.captionUpdated')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('case.harm')}</th>
                <th scope="col">{t('case.titleField')}</th>
                <th scope="col">{t('field.status')}</th>
                <th scope="col" class="num">{t('campaigns.reports')}</th>
                <th scope="col">{t('case.owner')}</th>
                <th scope="col">{t('marking.tlp')}</th>
                <th scope="col">{t('case.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr data-id={c.id}>
                  <td class="nowrap"><HarmScore score={c.harm_score} /></td>
                  <td class="subject"><a href={`/cases/${c.id}`}>{c.title}</a></td>
                  <td><span class={`badge status-${c.status}`}>{label('caseStatus', c.status)}</span></td>
                  <td class="num">{fmtNumber(c.stats?.reports ?? 0)}</td>
                  <td>{c.organisation === session.organisation ? <span>{c.organisation}</span> : <OrgLink name={c.organisation} />}</td>
                  <td><TlpBadge tlp={c.tlp} /></td>
                  <td class="nowrap"><Time iso={c.updated_at} /></td>
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
