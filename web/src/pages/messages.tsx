// Messages between organisations of the network, on this node or another (docs/federation.md,
// "Organisations' messages"): the organisation's conversations, latest first; a conversation in
// the order it was written, with a reply form; the form that starts one. Each message sent says
// how its delivery stands: queued for the other node, delivered, refused with the reason, or
// local (the recipient is on this node).
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, request, type Session } from '../api';
import type { Profile } from '../coop';
import { counterpart, msIso, type MessagePage, type OrgMessage, type Sent } from '../federation';
import { ErrorBox, Loading, Section, Time, useAsync } from '../components/common';
import { useAction } from '../components/form';
import { ListState } from '../components/lists';
import '../messages/federation';
import { label, t, tn } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

const PAGE = 100;
const REFRESH_MS = 10000;

// The first page of messages (of one conversation, or all), the older pages loaded after it with
// "Load older messages", and the messages of all of them, newest first, each once.
function useMessages(conversation: string | undefined) {
  const first = useAsync(() => get<MessagePage>('/api/v1/federation/messages', { conversation, limit: PAGE }), [conversation]);
  const [older, setOlder] = useState<MessagePage[]>([]);
  const more = useAction();
  useEffect(() => setOlder([]), [conversation]);
  const seen = new Set<string>();
  const items: OrgMessage[] = [];
  for (const p of [first.data, ...older])
    for (const m of p?.items ?? [])
      if (!seen.has(m.id)) {
        seen.add(m.id);
        items.push(m);
      }
  const next = older.length ? older[older.length - 1].next_cursor : first.data?.next_cursor;
  const loadMore = () => next && more.run(async () => {
    const p = await get<MessagePage>('/api/v1/federation/messages', { conversation, limit: PAGE, cursor: next });
    setOlder((o) => [...o, p]);
  });
  return { first, items, next, loadMore, more };
}

export function DeliveryBadge({ m }: { m: OrgMessage }) {
  const tone = m.delivery === 'delivered' || m.delivery === 'local' ? 'ok' : m.delivery === 'queued' ? 'warn'
    : m.delivery === 'rejected' ? 'bad' : '';
  return <span class={`badge ${tone}`} data-testid="delivery" data-delivery={m.delivery}>{label('delivery', m.delivery)}</span>;
}

function nodeText(node: string | null): string {
  return node ? t('messages.onNode', { node }) : t('messages.thisNode');
}

// --- the list ----------------------------------------------------------------------------------

interface Conversation {
  id: string;
  latest: OrgMessage;
  count: number;
  rejected: boolean;
  queued: boolean;
}

// Messages (newest first) grouped by conversation, in the order of each one's newest message.
function conversations(items: OrgMessage[]): Conversation[] {
  const by = new Map<string, Conversation>();
  for (const m of items) {
    const c = by.get(m.conversation);
    if (!c) by.set(m.conversation, { id: m.conversation, latest: m, count: 1, rejected: m.delivery === 'rejected', queued: m.delivery === 'queued' });
    else {
      c.count++;
      c.rejected ||= m.delivery === 'rejected';
      c.queued ||= m.delivery === 'queued';
    }
  }
  return [...by.values()];
}

export function Messages({ session, query }: { session: Session; query: URLSearchParams }) {
  const composing = query.get('new') === '1';
  const { first, items, next, loadMore, more } = useMessages(undefined);
  useEffect(() => {
    if (first.data) markReady('messages');
  }, [first.data]);
  const list = conversations(items);
  return (
    <section>
      <h1>{t('messages.title')}</h1>
      <p class="muted">{t('messages.intro')}</p>
      {composing ? (
        <Section title={t('messages.newTitle')} id="new-message">
          <MessageForm session={session} to={query.get('to') ?? ''} onSent={(s) => navigate(`/messages/${encodeURIComponent(s.conversation)}`)} />
        </Section>
      ) : (
        <p><a class="button" href="/messages?new=1" data-testid="message-new">{t('messages.new')}</a></p>
      )}
      <ListState list={first} count={list.length} empty={t('messages.empty')} emptyTestid="messages-empty">
        <div class="table-wrap">
          <table class="data" data-testid="conversations-table">
            <caption class="visually-hidden">{t('messages.conversations')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('messages.with')}</th>
                <th scope="col">{t('messages.subject')}</th>
                <th scope="col">{t('messages.latest')}</th>
                <th scope="col" class="num">{t('messages.title')}</th>
                <th scope="col">{t('messages.delivery')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr data-conversation={c.id} data-with={counterpart(c.latest)} class={c.rejected ? 'risky' : ''}>
                  <td>
                    {counterpart(c.latest)}
                    <div class="muted small">{nodeText(c.latest.node)}</div>
                  </td>
                  <td class="subject">
                    <a href={`/messages/${encodeURIComponent(c.id)}`}>{c.latest.subject || t('messages.noSubject')}</a>
                    <div class="muted small snippet">{c.latest.text}</div>
                  </td>
                  <td class="nowrap">
                    <Time iso={msIso(c.latest.sent_at)} />
                    <div class="muted small">
                      {c.latest.direction === 'out' ? t('messages.toOrg', { org: c.latest.to ?? '' }) : t('messages.fromOrg', { org: c.latest.from ?? '' })}
                    </div>
                  </td>
                  <td class="num">{tn('messages.count', c.count)}</td>
                  <td>
                    <DeliveryBadge m={c.latest} />
                    {c.latest.delivery !== 'rejected' && c.rejected && <> <span class="badge bad">{label('delivery', 'rejected')}</span></>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {next && (
          <p>
            <button type="button" class="secondary" disabled={more.busy} onClick={loadMore} data-testid="messages-more">{t('messages.more')}</button>
          </p>
        )}
        <ErrorBox error={more.error} />
      </ListState>
    </section>
  );
}

// --- a message and its form -------------------------------------------------------------------------

// `subject`: the conversation's, shown above the thread; a message's own is shown when it differs.
function MessageItem({ m, subject }: { m: OrgMessage; subject: string }) {
  return (
    <li class={`org-message ${m.direction}`} data-id={m.id} data-direction={m.direction} data-delivery={m.delivery}
      data-testid="message">
      <div class="msg-head">
        <strong>{m.direction === 'out' ? t('messages.toOrg', { org: m.to ?? '' }) : t('messages.fromOrg', { org: m.from ?? '' })}</strong>
        <span class="muted small">({nodeText(m.node)})</span>
        <span class="muted small"><Time iso={msIso(m.sent_at)} /> · {t('messages.by', { actor: m.actor })}</span>
        <DeliveryBadge m={m} />
      </div>
      {m.subject && m.subject !== subject && <p class="msg-subject" data-testid="message-subject">{m.subject}</p>}
      <p class="prewrap msg-text" data-testid="message-text">{m.text}</p>
      {m.delivery === 'rejected' && (
        <p class="error small" data-testid="delivery-error">{t('messages.why', { error: m.delivery_error || '—' })}</p>
      )}
      {m.delivery === 'queued' && (
        <p class="muted small" data-testid="delivery-waiting">
          {t('messages.queuedFor', { node: m.node ?? '' })}{m.delivery_error && <> — {t('messages.why', { error: m.delivery_error })}</>}
        </p>
      )}
    </li>
  );
}

// Organisations of the directory whose name or details hold what is typed, for the "To" field.
function useSuggestions(q: string, own: string, enabled: boolean): Profile[] {
  const [items, setItems] = useState<Profile[]>([]);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const timer = setTimeout(() => {
      get<{ items: Profile[] }>('/api/v1/organisations', { q: q.trim() }).then(
        (r) => live && setItems(r.items.filter((p) => p.name !== own)), () => undefined);
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, own, enabled]);
  return items;
}

// A new message (`to` chosen) or a reply in `conversation` (to its other organisation).
function MessageForm({ session, to: initialTo, conversation, subject: initialSubject = '', onSent }: {
  session: Session; to: string; conversation?: string; subject?: string; onSent: (s: Sent) => void;
}) {
  const [to, setTo] = useState(initialTo);
  const [subject, setSubject] = useState(initialSubject);
  const [text, setText] = useState('');
  const { busy, error, run } = useAction();
  const suggestions = useSuggestions(to, session.organisation, !conversation);
  const prefix = conversation ? 'reply' : 'message';
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const body: Record<string, string> = { to: to.trim(), subject: subject.trim(), text };
      if (conversation) body.conversation = conversation;
      const sent = await request<Sent>('POST', '/api/v1/federation/messages', body);
      setText('');
      onSent(sent);
    });
  };
  return (
    <form class="stack-form wide" onSubmit={submit} data-testid={`${prefix}-form`}>
      {!conversation && (
        <div class="form-row">
          <label class="grow">
            {t('messages.to')}
            <input required list="message-orgs" value={to} autoComplete="off" aria-describedby="message-to-help"
              onInput={(e) => setTo((e.target as HTMLInputElement).value)} data-testid="message-to" />
            <span class="muted small" id="message-to-help">{t('messages.toHelp')}</span>
          </label>
          <datalist id="message-orgs" data-testid="message-orgs">
            {suggestions.map((p) => <option value={p.name}>{[p.display_name, p.country].filter(Boolean).join(' · ')}</option>)}
          </datalist>
        </div>
      )}
      <label class="block">
        {t('messages.subject')}
        <input maxLength={500} value={subject} onInput={(e) => setSubject((e.target as HTMLInputElement).value)}
          data-testid={`${prefix}-subject`} />
      </label>
      <label class="block">
        {t('messages.text')}
        <textarea rows={5} required value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          data-testid={`${prefix}-text`} />
      </label>
      <ErrorBox error={error} />
      <div class="form-row">
        <button type="submit" disabled={busy} data-testid={`${prefix}-send`}>{busy ? t('messages.sending') : t('messages.send')}</button>
        {!conversation && <a class="button secondary" href="/messages">{t('common.cancel')}</a>}
      </div>
    </form>
  );
}

// --- a conversation --------------------------------------------------------------------------------

export function ConversationPage({ conversation, session }: { conversation: string; session: Session }) {
  const { first, items, next, loadMore, more } = useMessages(conversation);
  const thread = [...items].reverse();
  const newest = items[0];
  const other = newest ? counterpart(newest) : '';
  const waiting = items.some((m) => m.delivery === 'queued');
  const reload = useRef(first.reload);
  reload.current = first.reload;
  useEffect(() => {
    if (first.data) markReady('conversation');
  }, [first.data]);
  // While a message waits for its node, its delivery is read again.
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => {
      if (!document.hidden) reload.current();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [waiting]);
  const subject = thread.find((m) => m.subject)?.subject ?? '';
  return (
    <article>
      <p class="crumbs"><a href="/messages">{t('messages.back')}</a></p>
      <h1>{other ? t('messages.conversation', { org: other }) : t('messages.title')}</h1>
      {subject && <p class="msg-subject" data-testid="conversation-subject">{subject}</p>}
      <ErrorBox error={first.error || more.error} />
      <Loading when={first.loading && !first.data} />
      {first.data && thread.length === 0 && <p class="empty" data-testid="conversation-empty">{t('messages.noConversation')}</p>}
      {next && (
        <p>
          <button type="button" class="secondary" disabled={more.busy} onClick={loadMore} data-testid="conversation-more">{t('messages.more')}</button>
        </p>
      )}
      {thread.length > 0 && (
        <ol class="thread" aria-label={t('messages.thread')} data-testid="thread" data-conversation={conversation}>
          {thread.map((m) => <MessageItem key={m.id} m={m} subject={subject} />)}
        </ol>
      )}
      {waiting && <p class="muted small">{t('messages.waiting')}</p>}
      {other && (
        <Section title={t('messages.replyTo', { org: other })} id="reply">
          <MessageForm key={conversation} session={session} to={other} conversation={conversation} subject={subject}
            onSent={() => first.reload()} />
        </Section>
      )}
    </article>
  );
}
