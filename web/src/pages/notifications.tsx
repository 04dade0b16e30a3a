// What the network told the organisation: referrals and requests sent to it and their steps,
// outcomes of what its reports went into, applications and withdrawals; each links to what it is
// about. The newest shown are marked seen (the header counts the others).
import { useEffect, useState } from 'preact/hooks';
import { get, type Page, type Session } from '../api';
import type { Notification } from '../flows';
import { ErrorBox, Loading, Time, useAsync } from '../components/common';
import { AboutLink } from '../components/flows';
import { t } from '../i18n';
import { lastSeen, markSeen } from '../notices';
import { markReady } from '../ready';

export function Notifications({ session }: { session: Session }) {
  const [cursor, setCursor] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [seenBefore] = useState(() => lastSeen(session));
  const page = useAsync(() => get<Page<Notification>>('/api/v1/notifications', { cursor, limit: 50 }), [cursor]);
  const items = page.data?.items ?? [];
  useEffect(() => {
    if (!page.data) return;
    if (items.length) markSeen(session, Math.max(...items.map((n) => n.id)));
    markReady('notifications');
  }, [page.data]);
  return (
    <section>
      <h1>{t('notifications.title')}</h1>
      <p class="muted">{t('notifications.intro')}</p>
      <ErrorBox error={page.error} />
      <Loading when={page.loading && !page.data} />
      {page.data && (items.length === 0 ? <p class="empty" data-testid="notifications-empty">{t('notifications.empty')}</p> : (
        <ul class="notices" data-testid="notifications-list">
          {items.map((n) => (
            <li data-id={n.id} data-about={`${n.about_type}:${n.about_id}`} class={n.id > seenBefore ? 'unseen' : ''}>
              <div class="muted small">
                <Time iso={n.created_at} /> · {n.organisation}
                {n.id > seenBefore && <> · <span class="badge ok">{t('notifications.new')}</span></>}
              </div>
              <p class="notice-title">{n.title}</p>
              {n.detail && n.about_type !== 'organisation' && <p class="small prewrap">{n.detail}</p>}
              {n.about_type && <p class="small">{t('notifications.about')} <AboutLink type={n.about_type} id={n.about_id} detail={n.detail} /></p>}
            </li>
          ))}
        </ul>
      ))}
      <nav class="pager" aria-label={t('inbox.pages')}>
        <button type="button" class="secondary" disabled={!cursors.length} onClick={() => {
          setCursor(cursors[cursors.length - 1]);
          setCursors(cursors.slice(0, -1));
        }}>{t('inbox.prev')}</button>
        <span>{t('inbox.page', { n: cursors.length + 1 })}</span>
        <button type="button" class="secondary" disabled={!page.data?.next_cursor} onClick={() => {
          setCursors([...cursors, cursor]);
          setCursor(page.data!.next_cursor!);
        }}>{t('inbox.next')}</button>
      </nav>
    </section>
  );
}
