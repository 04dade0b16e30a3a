// Pieces shared by the referral and request pages: status badges, the timeline of an object's
// lifecycle, the steps the caller's side may take (with the reason, outcome or answer a step
// needs), outcomes, and links to what a notification or outcome is about.
import { useState } from 'preact/hooks';
import { can, isMemberAgency, PERM, request, type Session } from '../api';
import { OUTCOMES } from '../coop';
import {
  aboutHref, finished, REFERRAL_STATES, REQUEST_STATES, type FlowData, type FlowType, type Notification, type ReportOutcome,
  type Side,
} from '../flows';
import '../messages/flows';
import { known, label, t, type Key } from '../i18n';
import { ErrorBox, Time } from './common';
import { useAction } from './form';

export function FlowStatus({ status }: { status: string }) {
  return <span class={`badge flow-${status}`} data-status={status}>{label('flowStatus', status)}</span>;
}

export function sideOf(o: { organisation: string; to: string }, session: Session): Side | null {
  if (o.organisation === session.organisation) return 'sender';
  if (o.to === session.organisation) return 'recipient';
  return null;
}

export function OutcomeText({ outcome }: { outcome: { kind: string; detail?: string } }) {
  return (
    <span data-testid="outcome-text" data-outcome={outcome.kind}>
      <strong>{label('outcome', outcome.kind)}</strong>{outcome.detail ? ` — ${outcome.detail}` : ''}
    </span>
  );
}

// Each state the object went through, with its time; the reasons and the outcome beside theirs.
export function Timeline({ type, o }: { type: FlowType; o: FlowData & { status: string } }) {
  const tl = o.timeline ?? {};
  const order: readonly string[] = type === 'referral' ? REFERRAL_STATES : REQUEST_STATES;
  const states = Object.keys(tl).sort((a, b) => (tl[a] < tl[b] ? -1 : tl[a] > tl[b] ? 1 : order.indexOf(a) - order.indexOf(b)));
  const pending = finished(type, o.status) ? [] : order.filter((s) => !(s in tl) && order.indexOf(s) > order.indexOf(o.status) &&
    !['declined', 'withdrawn', 'draft'].includes(s));
  return (
    <ol class="timeline" data-testid="flow-timeline">
      {states.map((s) => (
        <li data-state={s} class={s === o.status ? 'current' : ''}>
          <Time iso={tl[s]} /> <strong>{label('flowStatus', s)}</strong>
          {s === 'declined' && o.decline_reason && <span> — {t('flow.because', { reason: o.decline_reason })}</span>}
          {s === 'withdrawn' && o.withdraw_reason && <span> — {t('flow.because', { reason: o.withdraw_reason })}</span>}
          {s === 'closed' && o.outcome && <span> — <OutcomeText outcome={o.outcome} /></span>}
        </li>
      ))}
      {pending.map((s) => (
        <li data-state={s} class="pending muted"><span>{t('flow.notYet')}</span> {label('flowStatus', s)}</li>
      ))}
    </ol>
  );
}

// The steps the caller's side may take now (the node's `next_steps`), each a button; a step that
// needs a reason, an outcome or an answer opens its form first.
export function FlowActions({ type, o, session, onDone }: {
  type: FlowType; o: FlowData & { id: number; status: string; organisation: string }; session: Session; onDone: () => void;
}) {
  const steps = can(session, PERM.manageCases) ? o.next_steps ?? [] : [];
  const [open, setOpen] = useState('');
  const [f, setF] = useState({ reason: '', outcome: 'warning', detail: '', answer: '' });
  const { busy, error, run } = useAction();
  if (!steps.length) return null;
  const step = steps.find((s) => s.to === open);
  const go = async (to: string) => {
    const s = steps.find((x) => x.to === to)!;
    const body: Record<string, unknown> = { to };
    if (s.needs === 'reason') body.reason = f.reason.trim();
    if (s.needs === 'outcome') body.outcome = { kind: f.outcome, detail: f.detail.trim() };
    if (s.needs === 'answer') body.answer = f.answer.trim();
    await run(async () => {
      await request('POST', `/api/v1/${type}s/${o.id}/transitions`, body);
      setOpen('');
      setF({ reason: '', outcome: 'warning', detail: '', answer: '' });
      onDone();
    });
  };
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  return (
    <div class="flow-actions" data-testid="flow-actions">
      <div class="form-row" role="group" aria-label={t('flow.actions')}>
        {steps.map((s) => (
          <button type="button" class={s.to === 'withdrawn' || s.to === 'declined' ? 'secondary' : ''} disabled={busy}
            aria-expanded={s.needs ? open === s.to : undefined} data-testid={`step-${s.to}`} data-needs={s.needs}
            onClick={() => (s.needs ? setOpen(open === s.to ? '' : s.to) : go(s.to))}>
            {label('step', s.to)}
          </button>
        ))}
      </div>
      {step && (
        <form class="stack-form" data-testid={`step-form-${step.to}`} onSubmit={(e) => {
          e.preventDefault();
          void go(step.to);
        }}>
          {step.needs === 'reason' && (
            <label class="block">{t('flow.reason')}
              <textarea rows={2} required value={f.reason} onInput={set('reason')} data-testid="step-reason" />
            </label>
          )}
          {step.needs === 'answer' && (
            <label class="block">{t('flow.answer')}
              <textarea rows={4} required value={f.answer} onInput={set('answer')} data-testid="step-answer" />
            </label>
          )}
          {step.needs === 'outcome' && (
            <div class="form-row">
              <label>{t('case.outcome')}
                <select value={f.outcome} onChange={set('outcome')} data-testid="step-outcome">
                  {OUTCOMES.map((x) => <option value={x}>{label('outcome', x)}</option>)}
                </select>
              </label>
              <label class="grow">{t('case.outcomeDetail')}
                <input value={f.detail} onInput={set('detail')} data-testid="step-outcome-detail" />
              </label>
            </div>
          )}
          <button type="submit" disabled={busy} data-testid="step-submit">{label('step', step.to)}</button>
        </form>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

// What a notification says, in the user's language, from its event code, state and sender; the
// node's English sentence only for an event this application does not know.
export function notificationText(n: Notification, session: Session): string {
  const from = n.from || t('notice.theNode');
  const about = t(`about.${n.about_type}` as Key, { id: n.about_id });
  switch (n.event) {
    case 'outcome':
      return t('notice.outcome', { from, about, outcome: label('outcome', n.state) });
    case 'application.opened':
      return t('notice.application.opened', { from });
    case 'application.admitted':
    case 'application.refused':
      // The applicant is told by the node; the member agencies by the applicant's name.
      return !n.from || n.from === session.organisation ? t(`notice.${n.event}.own` as Key) : t(`notice.${n.event}` as Key, { org: n.from });
    case 'membership.withdrawn':
      return t('notice.membership.withdrawn', { org: n.detail || n.from });
  }
  const key = `notice.${n.event}`;
  return known(key) ? t(key as Key, { from, about }) : n.title;
}

export function AboutLink({ type, id, detail }: { type: string; id: number; detail?: string }) {
  const href = aboutHref(type, id, detail);
  const text = type === 'organisation' ? (detail ?? '') : t(`about.${type}` as Key, { id });
  return href ? <a href={href}>{text}</a> : <span>{text}</span>;
}

// Outcomes reached on what a report went into (GET /api/v1/reports/ID `outcomes`).
export function ReportOutcomes({ outcomes }: { outcomes: ReportOutcome[] }) {
  if (!outcomes.length) return null;
  return (
    <section class="card" aria-labelledby="outcomes-h" data-testid="report-outcomes">
      <h2 id="outcomes-h">{t('outcomes.title')}</h2>
      <ul class="plain-list">
        {outcomes.map((o) => (
          <li data-type={o.type} data-id={o.id} data-kind={o.kind}>
            <AboutLink type={o.type} id={o.id} /> · {t('outcomes.by', { org: o.organisation })}
            {' · '}<OutcomeText outcome={o} />{o.at && <> · <Time iso={o.at} /></>}
          </li>
        ))}
      </ul>
    </section>
  );
}

// "Refer to another agency": the referral form for a campaign or a report, for member agencies.
export function ReferLink({ session, campaign, report }: { session: Session; campaign?: number; report?: string }) {
  if (!isMemberAgency(session) || !can(session, PERM.manageCases)) return null;
  const q = campaign !== undefined ? `campaign=${campaign}` : `report=${encodeURIComponent(report ?? '')}`;
  return <a class="button secondary" href={`/referrals/new?${q}`} data-testid="refer">{t('refer.button')}</a>;
}
