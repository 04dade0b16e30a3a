// Meetings of the network: the list (upcoming and past, searched by words), one meeting with its
// time in the user's time zone, how to join, its agenda (segments that leave the caller's
// organisation out show only that they exist) and its marking; the form a member agency calls a
// meeting with, whose segments may each leave out organisations of the directory (LAP B.3). The
// owner edits the agenda and marks the meeting held or cancelled.
import { useEffect, useState } from 'preact/hooks';
import { can, get, isMemberAgency, PERM, request, type Page, type Session } from '../api';
import {
  isUpcoming, localToUtc, MEETING_KINDS, MEETING_STATUSES, type Meeting, type Segment, type SegmentDraft,
} from '../meetings';
import { ErrorBox, Loading, Section, Time, useAsync } from '../components/common';
import { Checkboxes, useAction } from '../components/form';
import { Filters, ListState, Pager, useCursorPages } from '../components/lists';
import {
  AudienceText, cleanAudience, DEFAULT_AUDIENCE, MarkingEditor, markingProblem, OrgLink, SafeLink, TlpBadge, useDirectory,
  useGroups, type Marking,
} from '../components/coop';
import '../messages/meetings';
import { getLocale, label, t } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';

// The user's time zone, as the browser names it.
function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

// A meeting's time, written in full in the user's locale and time zone.
function LongTime({ iso, testid }: { iso: string | undefined; testid?: string }) {
  if (!iso) return <span class="muted">—</span>;
  const d = new Date(iso);
  const text = isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(getLocale(), { dateStyle: 'full', timeStyle: 'short' }).format(d);
  return <time dateTime={iso} data-testid={testid}>{text}</time>;
}

function MeetingStatus({ status }: { status: string }) {
  return <span class={`badge meeting-${status}`} data-status={status}>{label('meetingStatus', status)}</span>;
}

// How to join: a web address becomes a link, anything else (a dial-in) is text.
function Join({ connection }: { connection: string | undefined }) {
  if (!connection) return <span class="muted">{t('meeting.noJoin')}</span>;
  if (/^https?:\/\/\S+$/i.test(connection)) return <SafeLink url={connection} />;
  return <span class="prewrap">{connection}</span>;
}

// --- the list --------------------------------------------------------------------------------------

function MeetingTable({ items, caption, testid, session }: {
  items: Meeting[]; caption: string; testid: string; session: Session;
}) {
  return (
    <div class="table-wrap">
      <table class="data" data-testid={testid}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('meetings.when')}</th>
            <th scope="col">{t('meeting.titleField')}</th>
            <th scope="col">{t('meeting.kind')}</th>
            <th scope="col">{t('meetings.calledBy')}</th>
            <th scope="col" class="num">{t('meetings.segments')}</th>
            <th scope="col">{t('marking.tlp')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((m) => (
            <tr data-id={m.id} data-status={m.status}>
              <td class="nowrap"><Time iso={m.starts_at} /></td>
              <td class="subject">
                <a href={`/meetings/${m.id}`}>{m.title}</a>
                {m.status !== 'scheduled' && <> <MeetingStatus status={m.status} /></>}
              </td>
              <td>{label('meetingKind', m.kind)}</td>
              <td>{m.organisation === session.organisation ? m.organisation : <OrgLink name={m.organisation} />}</td>
              <td class="num">{m.agenda?.length ?? 0}</td>
              <td><TlpBadge tlp={m.tlp} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Meetings({ query, session }: { query: URLSearchParams; session: Session }) {
  const q = query.get('q') ?? '';
  const status = query.get('status') ?? '';
  const key = `${q}|${status}`;
  const pages = useCursorPages(key);
  const cursor = pages.cursor;
  const page = useAsync(() => get<Page<Meeting>>('/api/v1/meetings', { q, status, cursor, limit: 100 }), [key, cursor]);
  useEffect(() => {
    if (page.data) markReady('meetings');
  }, [page.data]);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const p = new URLSearchParams();
    const words = String(form.get('q') ?? '').trim();
    const st = String(form.get('status') ?? '');
    if (words) p.set('q', words);
    if (st) p.set('status', st);
    navigate(`/meetings${p.size ? '?' + p : ''}`);
  };
  const items = page.data?.items ?? [];
  const at = (m: Meeting) => Date.parse(m.starts_at);
  const upcoming = items.filter((m) => isUpcoming(m)).sort((a, b) => at(a) - at(b));
  const past = items.filter((m) => !isUpcoming(m)).sort((a, b) => at(b) - at(a));
  return (
    <section>
      <h1>{t('meetings.title')}</h1>
      <p class="muted">{t('meetings.intro')}</p>
      {isMemberAgency(session) && can(session, PERM.manageCases) && (
        <p><a class="button" href="/meetings/new" data-testid="meeting-new">{t('meetings.call')}</a></p>
      )}
      <Filters label={t('meetings.filters')} onSubmit={submit} clear="/meetings" key={key} testid="meetings-filters">
        <label class="grow">
          {t('inbox.search')}
          <input type="search" name="q" value={q} placeholder={t('meetings.searchPlaceholder')} data-testid="meetings-q" />
        </label>
        <label>
          {t('field.status')}
          <select name="status" value={status}>
            <option value="">{t('common.any')}</option>
            {MEETING_STATUSES.map((s) => <option value={s}>{label('meetingStatus', s)}</option>)}
          </select>
        </label>
      </Filters>
      <p class="muted small">{t('meetings.zone', { zone: timeZone() })}</p>
      <ListState list={page} count={1} empty="">
        <Section title={t('meetings.upcoming')} id="upcoming">
          {upcoming.length === 0 ? <p class="empty" data-testid="meetings-upcoming-empty">{t('meetings.emptyUpcoming')}</p>
            : <MeetingTable items={upcoming} caption={t('meetings.captionUpcoming')} testid="meetings-upcoming" session={session} />}
        </Section>
        <Section title={t('meetings.past')} id="past">
          {past.length === 0 ? <p class="empty" data-testid="meetings-past-empty">{t('meetings.emptyPast')}</p>
            : <MeetingTable items={past} caption={t('meetings.captionPast')} testid="meetings-past" session={session} />}
        </Section>
      </ListState>
      <Pager pages={pages} next={page.data?.next_cursor} />
    </section>
  );
}

// --- the agenda ------------------------------------------------------------------------------------

// A segment being edited, with a key of its own so that reordering keeps each input with it.
interface Draft extends SegmentDraft {
  key: number;
}

let nextKey = 1;
function draft(s?: Segment): Draft {
  return { key: nextKey++, title: s?.title ?? '', notes: s?.notes ?? '', exclude: s?.exclude ?? [] };
}

// The agenda as the API takes it: segments in order, notes and exclusions only when given.
function agendaBody(drafts: Draft[]): Record<string, unknown>[] {
  return drafts.map((d) => ({
    title: d.title.trim(),
    ...(d.notes.trim() ? { notes: d.notes.trim() } : {}),
    ...(d.exclude.length ? { exclude: d.exclude } : {}),
  }));
}

// Segments added, removed and reordered, each with the organisations it leaves out. `orgs`: the
// members of the directory other than the caller's organisation.
function AgendaEditor({ value, onChange, orgs }: { value: Draft[]; onChange: (v: Draft[]) => void; orgs: string[] }) {
  const set = (i: number, patch: Partial<Draft>) => onChange(value.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const move = (i: number, by: number) => {
    const v = [...value];
    [v[i], v[i + by]] = [v[i + by], v[i]];
    onChange(v);
  };
  return (
    <fieldset class="agenda-editor" data-testid="agenda-editor">
      <legend>{t('meeting.agenda')}</legend>
      <p class="muted small">{t('meeting.segmentExcludeHelp')}</p>
      <ol class="plain-list">
        {value.map((d, i) => (
          <li key={d.key} data-testid="segment-edit">
            <fieldset class="segment">
              <legend>{t('meeting.segment', { n: i + 1 })}</legend>
              <div class="form-row">
                <label class="grow">
                  {t('meeting.segmentTitle')}
                  <input required value={d.title} data-testid="segment-title"
                    onInput={(e) => set(i, { title: (e.target as HTMLInputElement).value })} />
                </label>
                <label class="grow">
                  {t('meeting.segmentNotes')}
                  <textarea rows={2} value={d.notes} data-testid="segment-notes"
                    onInput={(e) => set(i, { notes: (e.target as HTMLTextAreaElement).value })} />
                </label>
              </div>
              <Checkboxes legend={t('meeting.segmentExclude')} values={orgs} checked={d.exclude} label={(o) => o}
                onChange={(exclude) => set(i, { exclude })} testid="segment-exclude" />
              <div class="form-row">
                <button type="button" class="secondary" disabled={i === 0} onClick={() => move(i, -1)} data-testid="segment-up">
                  {t('meeting.moveUp')}
                </button>
                <button type="button" class="secondary" disabled={i === value.length - 1} onClick={() => move(i, 1)} data-testid="segment-down">
                  {t('meeting.moveDown')}
                </button>
                <button type="button" class="secondary" onClick={() => onChange(value.filter((_, j) => j !== i))} data-testid="segment-remove">
                  {t('meeting.removeSegment')}
                </button>
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      <button type="button" class="secondary" onClick={() => onChange([...value, draft()])} data-testid="segment-add">
        {t('meeting.addSegment')}
      </button>
    </fieldset>
  );
}

// The agenda as the caller sees it; a segment that leaves the caller's organisation out is shown
// as restricted, and nothing else of it.
function Agenda({ agenda, owner }: { agenda: Segment[]; owner: boolean }) {
  if (!agenda.length) return <p class="empty">{t('meeting.noAgenda')}</p>;
  return (
    <ol class="agenda" data-testid="agenda">
      {agenda.map((s) => s.restricted ? (
        <li value={s.n} data-n={s.n} data-restricted="true" class="restricted">
          <span class="muted">{t('meeting.restricted')}</span>
        </li>
      ) : (
        <li value={s.n} data-n={s.n}>
          <span class="segment-title" data-testid="segment-title">{s.title}</span>
          {s.notes && <div class="prewrap small">{s.notes}</div>}
          {owner && (s.exclude ?? []).length > 0 && (
            <div class="small warn-text" data-testid="segment-left-out">{t('meeting.leftOut', { list: s.exclude!.join(', ') })}</div>
          )}
        </li>
      ))}
    </ol>
  );
}

function orgsToLeaveOut(dir: ReturnType<typeof useDirectory>, own: string): string[] {
  return (dir.data ?? []).filter((p) => p.name !== own && p.membership === 'member').map((p) => p.name);
}

// --- one meeting ------------------------------------------------------------------------------------

// The owner's agenda editor and status changes.
function OwnerActions({ m, session, onSaved }: { m: Meeting; session: Session; onSaved: () => void }) {
  const dir = useDirectory();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const { busy, error, run } = useAction();
  const patch = (body: Record<string, unknown>) => run(async () => {
    await request('PATCH', `/api/v1/meetings/${m.id}`, body);
    setEditing(false);
    setConfirming(false);
    onSaved();
  });
  const startEditing = () => {
    setDrafts((m.agenda ?? []).map((s) => draft(s)));
    setEditing(true);
  };
  return (
    <div class="meeting-actions">
      {!editing && !confirming && (
        <div class="form-row">
          <button type="button" class="secondary" onClick={startEditing} data-testid="meeting-edit-agenda">{t('meeting.editAgenda')}</button>
          {m.status === 'scheduled' && (
            <>
              <button type="button" class="secondary" disabled={busy} onClick={() => patch({ status: 'held' })} data-testid="meeting-held">
                {t('meeting.markHeld')}
              </button>
              <button type="button" class="danger" onClick={() => setConfirming(true)} data-testid="meeting-cancel">{t('meeting.cancel')}</button>
            </>
          )}
          {m.status !== 'scheduled' && (
            <button type="button" class="secondary" disabled={busy} onClick={() => patch({ status: 'scheduled' })} data-testid="meeting-reschedule">
              {t('meeting.reschedule')}
            </button>
          )}
        </div>
      )}
      {confirming && (
        <div class="confirm" role="alertdialog" aria-labelledby="cancel-q" data-testid="meeting-cancel-confirm">
          <p id="cancel-q" class="warn-text">{t('meeting.cancelQuestion')}</p>
          <div class="form-row">
            <button type="button" class="danger" disabled={busy} onClick={() => patch({ status: 'cancelled' })} data-testid="meeting-cancel-yes">
              {t('meeting.cancelConfirm')}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>{t('meeting.keep')}</button>
          </div>
        </div>
      )}
      {editing && (
        <form class="stack-form wide" data-testid="agenda-form" onSubmit={(e) => {
          e.preventDefault();
          void patch({ agenda: agendaBody(drafts) });
        }}>
          <AgendaEditor value={drafts} onChange={setDrafts} orgs={orgsToLeaveOut(dir, session.organisation)} />
          <div class="form-row">
            <button type="submit" disabled={busy} data-testid="agenda-save">{t('common.save')}</button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>{t('common.cancel')}</button>
          </div>
        </form>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

export function MeetingPage({ id, session }: { id: string; session: Session }) {
  const mt = useAsync(() => get<Meeting>(`/api/v1/meetings/${id}`), [id]);
  const groups = useGroups();
  const m = mt.data;
  useEffect(() => {
    if (m) markReady('meeting');
  }, [m]);
  const owner = !!m && m.organisation === session.organisation && can(session, PERM.manageCases);
  return (
    <article class="meeting">
      <p class="crumbs"><a href="/meetings">{t('meetings.title')}</a></p>
      <h1>{m ? m.title : t('meeting.heading', { id })}</h1>
      <ErrorBox error={mt.error} />
      <Loading when={mt.loading && !m} />
      {m && (
        <>
          <div class="case-head">
            <TlpBadge tlp={m.tlp} />
            <MeetingStatus status={m.status} />
            <span class="badge" data-testid="meeting-kind">{label('meetingKind', m.kind)}</span>
            <span data-testid="meeting-by">
              {t('meetings.calledBy')} {m.organisation === session.organisation ? m.organisation : <OrgLink name={m.organisation} />}
            </span>
            <span class="muted small">{t('meeting.calledAt')} <Time iso={m.created_at} /></span>
          </div>
          <div class="grid2">
            <Section title={t('meetings.when')} id="when">
              <dl class="facts">
                <dt>{t('meeting.starts')}</dt><dd><LongTime iso={m.starts_at} testid="meeting-starts" /></dd>
                <dt>{t('meeting.ends')}</dt><dd><LongTime iso={m.ends_at} testid="meeting-ends" /></dd>
                <dt>{t('meeting.join')}</dt><dd data-testid="meeting-join"><Join connection={m.connection} /></dd>
              </dl>
              <p class="muted small" data-testid="meeting-zone" data-zone={timeZone()}>{t('meetings.zone', { zone: timeZone() })}</p>
            </Section>
            <Section title={t('meeting.who')} id="who">
              <p><TlpBadge tlp={m.tlp} /> <span class="muted small">{label('tlpHelp', m.tlp)}</span></p>
              <p>{t('marking.audience')}: <AudienceText audience={m.audience} groups={groups.data} /></p>
            </Section>
          </div>
          <Section title={t('meeting.agenda')} id="agenda">
            <Agenda agenda={m.agenda ?? []} owner={owner} />
            {owner && <OwnerActions m={m} session={session} onSaved={mt.reload} />}
          </Section>
        </>
      )}
    </article>
  );
}

// --- calling a meeting -----------------------------------------------------------------------------

export function NewMeeting({ session }: { session: Session }) {
  const dir = useDirectory();
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<string>('quarterly-call');
  const [starts, setStarts] = useState('');
  const [ends, setEnds] = useState('');
  const [connection, setConnection] = useState('');
  const [agenda, setAgenda] = useState<Draft[]>(() => [draft()]);
  const [marking, setMarking] = useState<Marking>({ tlp: 'GREEN', audience: { ...DEFAULT_AUDIENCE, kind: 'network' } });
  const { busy, error, setError, run } = useAction();
  const allowed = isMemberAgency(session) && can(session, PERM.manageCases);
  useEffect(() => {
    if (!allowed || dir.data) markReady('meeting-new');
  }, [dir.data]);
  const submit = (e: Event) => {
    e.preventDefault();
    const startsAt = localToUtc(starts);
    const endsAt = localToUtc(ends);
    if (endsAt && Date.parse(endsAt) < Date.parse(startsAt)) {
      setError(t('meeting.endBeforeStart'));
      return;
    }
    void run(async () => {
      const made = await request<Meeting>('POST', '/api/v1/meetings', {
        title: title.trim(), kind, starts_at: startsAt, ...(endsAt ? { ends_at: endsAt } : {}),
        ...(connection.trim() ? { connection: connection.trim() } : {}),
        agenda: agendaBody(agenda), tlp: marking.tlp, audience: cleanAudience(marking.audience),
      });
      navigate(`/meetings/${made.id}`);
    }, true);
  };
  return (
    <section>
      <p class="crumbs"><a href="/meetings">{t('meetings.title')}</a></p>
      <h1>{t('meetings.call')}</h1>
      {!allowed ? <p class="muted" data-testid="meeting-agency-only">{t('meeting.agencyOnly')}</p> : (
        <form class="stack-form wide" onSubmit={submit} data-testid="meeting-form">
          <p class="muted">{t('meeting.formIntro', { zone: timeZone() })}</p>
          <div class="form-row">
            <label class="grow">
              {t('meeting.titleField')}
              <input required value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} data-testid="meeting-title" />
            </label>
            <label>
              {t('meeting.kind')}
              <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)} data-testid="meeting-kind-field">
                {MEETING_KINDS.map((k) => <option value={k}>{label('meetingKind', k)}</option>)}
              </select>
            </label>
          </div>
          <div class="form-row">
            <label>
              {t('meeting.startsField')}
              <input type="datetime-local" required value={starts} onInput={(e) => setStarts((e.target as HTMLInputElement).value)}
                data-testid="meeting-starts-field" />
            </label>
            <label>
              {t('meeting.endsField')}
              <input type="datetime-local" value={ends} min={starts || undefined}
                onInput={(e) => setEnds((e.target as HTMLInputElement).value)} data-testid="meeting-ends-field" />
            </label>
            <label class="grow">
              {t('meeting.joinField')}
              <input value={connection} onInput={(e) => setConnection((e.target as HTMLInputElement).value)} data-testid="meeting-join-field" />
            </label>
          </div>
          <AgendaEditor value={agenda} onChange={setAgenda} orgs={orgsToLeaveOut(dir, session.organisation)} />
          <MarkingEditor value={marking} onChange={setMarking} own={session.organisation} idPrefix="meeting" />
          <ErrorBox error={error} />
          <button type="submit" disabled={busy || !!markingProblem(marking.tlp, marking.audience)} data-testid="meeting-submit">
            {t('meeting.submit')}
          </button>
        </form>
      )}
    </section>
  );
}
