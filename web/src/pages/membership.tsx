// Membership of the network (LAP D): an organisation applies and follows its application to the
// end of the objection period; member agencies see the open applications and object with a
// reason; an organisation's administrator withdraws it from the network.
import { useEffect, useState } from 'preact/hooks';
import { can, get, isMemberAgency, PERM, request, type Page, type Session } from '../api';
import { COMPETENCES, SECTORS } from '../coop';
import type { Application } from '../flows';
import { Country, ErrorBox, Loading, Section, Time, useAsync } from '../components/common';
import { Checkboxes, useAction } from '../components/form';
import { OrgLink } from '../components/coop';
import '../messages/flows';
import { label, t, tn } from '../i18n';
import { markReady } from '../ready';

function AppStatus({ status }: { status: string }) {
  return <span class={`badge app-${status}`} data-status={status}>{label('appStatus', status)}</span>;
}

// Who objected and why; the applicant sees only how many objected (`objection_count`).
function Objections({ a }: { a: Application }) {
  if (a.objection_count !== undefined && a.objections === undefined) {
    return (
      <p class="small" data-testid="objections" data-count={a.objection_count}>
        {a.objection_count ? tn('membership.objectionCount', a.objection_count) : t('membership.noObjection')}
        {' '}<span class="muted">{t('membership.objectionsHidden')}</span>
      </p>
    );
  }
  const list = a.objections ?? [];
  if (!list.length) return <p class="muted small" data-testid="objections">{t('membership.noObjection')}</p>;
  return (
    <ul class="plain-list small" data-testid="objections">
      {list.map((o) => <li><strong>{o.organisation}</strong> · <Time iso={o.at} /> — {o.reason}</li>)}
    </ul>
  );
}

function ApplyForm({ session, onDone }: { session: Session; onDone: () => void }) {
  const [f, setF] = useState({
    kind: session.organisation_kind === 'partner' ? 'partner' : 'agency', country: '', display_name: '', statement: '',
    sector: SECTORS[0] as string, competences: [] as string[],
  });
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await request('POST', '/api/v1/applications', {
        kind: f.kind, country: f.country.trim().toUpperCase(), display_name: f.display_name.trim(), statement: f.statement.trim(),
        ...(f.kind === 'partner' ? { sector: f.sector } : { competences: f.competences }),
      });
      onDone();
    });
  };
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  return (
    <form class="stack-form" onSubmit={submit} data-testid="apply-form">
      <div class="form-row">
        <label>{t('directory.kind')}
          <select value={f.kind} onChange={set('kind')} data-testid="apply-kind">
            <option value="agency">{label('orgKind', 'agency')}</option>
            <option value="partner">{label('orgKind', 'partner')}</option>
          </select>
        </label>
        <label>{t('membership.country')}
          <input required value={f.country} maxLength={2} pattern="[A-Za-z]{2}" size={4} onInput={set('country')} data-testid="apply-country" />
        </label>
        <label class="grow">{t('directory.displayName')}
          <input value={f.display_name} onInput={set('display_name')} data-testid="apply-name" />
        </label>
      </div>
      {f.kind === 'partner' ? (
        <label>{t('resource.sector')}
          <select value={f.sector} onChange={set('sector')}>{SECTORS.map((s) => <option value={s}>{label('sector', s)}</option>)}</select>
        </label>
      ) : (
        <Checkboxes legend={t('directory.competences')} values={COMPETENCES} checked={f.competences}
          onChange={(competences) => setF({ ...f, competences })} label={(c) => label('competence', c)} />
      )}
      <label class="block">{t('membership.statement')}
        <textarea rows={4} required value={f.statement} onInput={set('statement')} data-testid="apply-statement" />
      </label>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy} data-testid="apply-submit">{t('membership.apply')}</button>
    </form>
  );
}

function ObjectForm({ a, onDone }: { a: Application; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const { error, run } = useAction({ busy: false });
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await request('POST', `/api/v1/applications/${a.id}/objections`, { reason: reason.trim() });
      setOpen(false);
      setReason('');
      onDone();
    });
  };
  if (!open) return <button type="button" class="secondary" onClick={() => setOpen(true)} data-testid="object">{t('membership.object')}</button>;
  return (
    <form class="stack-form" onSubmit={submit} data-testid="object-form">
      <label class="block">{t('membership.objectionReason')}
        <textarea rows={2} required value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} data-testid="object-reason" />
      </label>
      <ErrorBox error={error} />
      <div class="form-row">
        <button type="submit" data-testid="object-submit">{t('membership.sendObjection')}</button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

function Withdraw({ session }: { session: Session }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const { error, run } = useAction({ busy: false });
  const [done, setDone] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await request('POST', `/api/v1/organisations/${encodeURIComponent(session.organisation)}/withdraw`, {});
      setDone(true);
    });
  };
  return (
    <Section title={t('membership.withdrawTitle')} id="withdraw">
      <p class="muted">{t('membership.withdrawIntro')}</p>
      {done ? <p class="notice" role="status" data-testid="withdrawn">{t('membership.withdrawnNow', { org: session.organisation })}</p>
        : !open ? <button type="button" class="danger" onClick={() => setOpen(true)} data-testid="withdraw">{t('membership.withdraw')}</button> : (
          <form class="stack-form" onSubmit={submit} data-testid="withdraw-form">
            <p class="warn-text" role="alert">{t('membership.withdrawWarning', { org: session.organisation })}</p>
            <label class="block">{t('membership.typeName', { org: session.organisation })}
              <input value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} data-testid="withdraw-confirm" autoComplete="off" />
            </label>
            <ErrorBox error={error} />
            <div class="form-row">
              <button type="submit" class="danger" disabled={typed !== session.organisation} data-testid="withdraw-submit">{t('membership.withdrawConfirm')}</button>
              <button type="button" class="secondary" onClick={() => setOpen(false)}>{t('common.cancel')}</button>
            </div>
          </form>
        )}
    </Section>
  );
}

export function Membership({ session }: { session: Session }) {
  const apps = useAsync(() => get<Page<Application>>('/api/v1/applications', { limit: 100 }).then((p) => p.items), []);
  const profile = useAsync(() => get<{ membership: string; kind: string; country: string }>(
    `/api/v1/organisations/${encodeURIComponent(session.organisation)}`), []);
  useEffect(() => {
    if (apps.data && profile.data) markReady('membership');
  }, [apps.data, profile.data]);
  // Membership changes while the page is open (an application decided): re-read it now and then.
  useEffect(() => {
    const open = (apps.data ?? []).some((a) => a.status === 'open');
    if (!open) return;
    const timer = setInterval(() => {
      apps.reload();
      profile.reload();
    }, 3000);
    return () => clearInterval(timer);
  }, [apps.data]);
  const membership = profile.data?.membership ?? session.membership;
  const mine = (apps.data ?? []).filter((a) => a.organisation === session.organisation);
  const others = (apps.data ?? []).filter((a) => a.organisation !== session.organisation);
  const canApply = can(session, PERM.manageDirectory) && membership !== 'member' && !mine.some((a) => a.status === 'open');
  const canObject = isMemberAgency(session) && can(session, PERM.manageDirectory);
  return (
    <section>
      <h1>{t('membership.title')}</h1>
      <p class="muted">{t('membership.intro')}</p>
      <ErrorBox error={apps.error || profile.error} />
      <Loading when={(apps.loading && !apps.data) || (profile.loading && !profile.data)} />
      <p data-testid="own-membership" data-membership={membership}>
        {t('membership.ours', { org: session.organisation })} <strong>{label('membership', membership)}</strong>
      </p>
      {(mine.length > 0 || canApply) && (
        <Section title={t('membership.ourApplication')} id="ours">
          {mine.map((a) => (
            <div class="application" data-id={a.id} data-status={a.status} data-testid="own-application">
              <p>
                <AppStatus status={a.status} />{' '}
                {a.status === 'open'
                  ? <span data-testid="deadline">{t('membership.deadline')} <Time iso={a.due_at} /></span>
                  : <span>{t('membership.decided')} <Time iso={a.decided_at} /></span>}
              </p>
              <dl class="facts">
                <dt>{t('directory.kind')}</dt><dd>{label('orgKind', a.kind)}</dd>
                <dt>{t('membership.country')}</dt><dd><Country code={a.country} /></dd>
                <dt>{t('membership.statement')}</dt><dd class="prewrap">{a.statement || '—'}</dd>
                <dt>{t('membership.objections')}</dt><dd><Objections a={a} /></dd>
              </dl>
            </div>
          ))}
          {canApply && (
            <>
              <h3>{t('membership.applyTitle')}</h3>
              <p class="muted small">{t('membership.applyIntro')}</p>
              <ApplyForm session={session} onDone={() => {
                apps.reload();
                profile.reload();
              }} />
            </>
          )}
        </Section>
      )}
      {membership === 'member' && (
        <Section title={t('membership.applications')} id="applications">
          {others.length === 0 ? <p class="empty" data-testid="applications-empty">{t('membership.noApplications')}</p> : (
            <table class="data" data-testid="applications-table">
              <thead>
                <tr>
                  <th scope="col">{t('directory.organisation')}</th><th scope="col">{t('directory.kind')}</th>
                  <th scope="col">{t('membership.country')}</th><th scope="col">{t('membership.statement')}</th>
                  <th scope="col">{t('field.status')}</th><th scope="col">{t('membership.objections')}</th>
                </tr>
              </thead>
              <tbody>
                {others.map((a) => (
                  <tr data-id={a.id} data-org={a.organisation} data-status={a.status}>
                    <td><OrgLink name={a.organisation} />{a.display_name && <div class="small muted">{a.display_name}</div>}</td>
                    <td>{label('orgKind', a.kind)}{a.sector && <div class="small muted">{label('sector', a.sector)}</div>}</td>
                    <td><Country code={a.country} /></td>
                    <td class="prewrap small">{a.statement || '—'}</td>
                    <td>
                      <AppStatus status={a.status} />
                      <div class="small">{a.status === 'open' ? <>{t('membership.deadline')} <Time iso={a.due_at} /></> : <Time iso={a.decided_at} />}</div>
                    </td>
                    <td>
                      <Objections a={a} />
                      {canObject && a.status === 'open' && !(a.objections ?? []).some((o) => o.organisation === session.organisation) &&
                        <ObjectForm a={a} onDone={apps.reload} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="muted small">{tn('membership.openCount', others.filter((a) => a.status === 'open').length)}</p>
        </Section>
      )}
      {membership === 'member' && session.role === 'admin' && <Withdraw session={session} />}
    </section>
  );
}
