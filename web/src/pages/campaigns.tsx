// Campaigns of the organisation, largest first, each with a sample subject from its newest report.
import { useEffect, useState } from 'preact/hooks';
import { get, type Campaign, type Page, type ReportSummary } from '../api';
import { ErrorBox, Loading, Time, useAsync } from '../components/common';
import { fmtNumber, t } from '../i18n';
import { markReady } from '../ready';

function useSubjects(ids: number[]) {
  const [subjects, setSubjects] = useState<Record<number, string>>({});
  useEffect(() => {
    let live = true;
    // A few at a time: the list stays usable while the samples arrive.
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && live; id = queue.shift()) {
        try {
          const p = await get<Page<ReportSummary>>('/api/v1/reports', { campaign: id, limit: 1 });
          const s = p.items[0]?.subject;
          if (live && s) setSubjects((m) => ({ ...m, [id]: s }));
        } catch {
          // A missing sample leaves the row without a subject.
        }
      }
    };
    for (let i = 0; i < 4; i++) void worker();
    return () => {
      live = false;
    };
  }, [ids.join()]);
  return subjects;
}

export function Campaigns() {
  const [limit, setLimit] = useState(50);
  const list = useAsync(() => get<{ items: Campaign[] }>('/api/v1/campaigns', { limit }), [limit]);
  const items = list.data?.items ?? [];
  const subjects = useSubjects(items.map((c) => c.id));
  useEffect(() => {
    if (list.data) markReady('campaigns');
  }, [list.data]);
  return (
    <section>
      <h1>{t('campaigns.title')}</h1>
      <p class="muted">{t('campaigns.intro')}</p>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data && (
        items.length === 0 ? <p class="empty">{t('campaigns.empty')}</p> : (
          <table class="data" data-testid="campaigns-table">
            <thead>
              <tr>
                <th scope="col">{t('field.campaign')}</th>
                <th scope="col">{t('campaigns.sample')}</th>
                <th scope="col" class="num">{t('campaigns.reports')}</th>
                <th scope="col">{t('campaigns.firstSeen')}</th>
                <th scope="col">{t('campaigns.lastSeen')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr data-id={c.id}>
                  <td><a href={`/campaigns/${c.id}`}>{t('report.campaignN', { n: c.id })}</a></td>
                  <td class="subject">{subjects[c.id] ?? <span class="muted">…</span>}</td>
                  <td class="num">{fmtNumber(c.reports)}</td>
                  <td><Time iso={c.first_seen} /></td>
                  <td><Time iso={c.last_seen} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      {items.length >= limit && limit < 500 && (
        <p><button type="button" class="secondary" onClick={() => setLimit(Math.min(500, limit * 2))}>{t('campaigns.more')}</button></p>
      )}
    </section>
  );
}
