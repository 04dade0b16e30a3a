// What the network told the organisation: referrals and requests sent to it and their steps,
// outcomes of what its reports went into, applications and withdrawals; each links to what it is
// about and is written in the user's language from its event code. The node keeps whether each
// was read: one is marked read by its button or by following its link, or all at once.
import { useEffect } from 'preact/hooks';
import { request, get, type Session } from '../api';
import type { Notification, NotificationPage } from '../flows';
import { Time, useAsync } from '../components/common';
import { useAction } from '../components/form';
import { ListState, Pager, useCursorPages } from '../components/lists';
import { AboutLink, notificationText } from '../components/flows';
import { t, tn } from '../i18n';
import { noticesChanged } from '../notices';
import { markReady } from '../ready';

export function Notifications({ session, query }: { session: Session; query: URLSearchParams }) {
  const onlyNew = query.get('status') === 'new';
  const pages = useCursorPages(onlyNew);
  const cursor = pages.cursor;
  const { busy, error, run } = useAction();
  const page = useAsync(() => get<NotificationPage>('/api/v1/notifications',
    { status: onlyNew ? 'new' : undefined, cursor, limit: 50 }), [cursor, onlyNew]);
  const items = page.data?.items ?? [];
  useEffect(() => {
    if (page.data) markReady('notifications');
  }, [page.data]);
  const markRead = async (body: { ids: number[] } | { all: true }, reload = true) => {
    await run(async () => {
      await request('POST', '/api/v1/notifications/read', body);
      noticesChanged();
      if (reload) page.reload();
    });
  };
  // Following a notification's link reads it.
  const follow = (n: Notification) => {
    if (n.status === 'new') void markRead({ ids: [n.id] }, false);
  };
  const unread = page.data?.unread ?? 0;
  return (
    <section>
      <h1>{t('notifications.title')}</h1>
      <p class="muted">{t('notifications.intro')}</p>
      <nav class="tabs" aria-label={t('notifications.which')}>
        <a href="/notifications" aria-current={!onlyNew ? 'page' : undefined} data-testid="notices-all">{t('notifications.all')}</a>
        <a href="/notifications?status=new" aria-current={onlyNew ? 'page' : undefined} data-testid="notices-new">{t('notifications.unreadOnly')}</a>
      </nav>
      {page.data && (
        <div class="toolbar">
          <p data-testid="notices-unread" data-unread={unread}>{unread ? tn('notifications.unread', unread) : t('notifications.allRead')}</p>
          {unread > 0 && (
            <button type="button" class="secondary" disabled={busy} onClick={() => markRead({ all: true })} data-testid="notices-read-all">
              {t('notifications.readAll')}
            </button>
          )}
        </div>
      )}
      <ListState list={page} count={items.length} empty={t('notifications.empty')} emptyTestid="notifications-empty" error={page.error || error}>
        <ul class="notices" data-testid="notifications-list">
          {items.map((n) => (
            <li data-id={n.id} data-event={n.event} data-status={n.status} data-about={`${n.about_type}:${n.about_id}`}
              class={n.status === 'new' ? 'unseen' : ''}>
              <div class="muted small">
                <Time iso={n.created_at} />
                {n.status === 'new' && <> · <span class="badge ok">{t('notifications.new')}</span></>}
              </div>
              <p class="notice-title" title={n.title}>{notificationText(n, session)}</p>
              {n.detail && n.about_type !== 'organisation' && <p class="small prewrap">{n.detail}</p>}
              <div class="form-row small">
                {n.about_type && (
                  <span onClick={() => follow(n)}>{t('notifications.about')} <AboutLink type={n.about_type} id={n.about_id} detail={n.detail} /></span>
                )}
                {n.status === 'new' && (
                  <button type="button" class="link small" disabled={busy} onClick={() => markRead({ ids: [n.id] })} data-testid="notice-read">
                    {t('notifications.markRead')}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      </ListState>
      <Pager pages={pages} next={page.data?.next_cursor} />
    </section>
  );
}
