// "Share" from what a page shows (a whole campaign, the reports selected in the inbox, an
// indicator): a title, a summary, the TLP marking and audience (the editor refuses what the
// marking forbids) and, optionally, the agreement that applies. Opens the share when it is made.
// Offered to members of the network only (isMember): the node refuses others.
import { useState } from 'preact/hooks';
import { get, request, type Session } from '../api';
import type { Agreement } from '../coop';
import type { Share, ShareSources } from '../shares';
import '../messages/shares';
import { t, tn } from '../i18n';
import { navigate } from '../router';
import { cleanAudience, MarkingEditor, markingProblem, type Marking } from './coop';
import { ErrorBox } from './common';
import { useAction } from './form';

const DEFAULT_MARKING: Marking = { tlp: 'AMBER', audience: { kind: 'organisations', organisations: [], groups: [], exclude: [] } };

export function ShareAction({ session, sources, title, count, testid = 'share' }: {
  session: Session; sources: ShareSources; title: string; count?: number; testid?: string;
}) {
  const [open, setOpen] = useState(false);
  const [f, setF] = useState({ title, summary: '', agreement: '' });
  const [marking, setMarking] = useState<Marking>(DEFAULT_MARKING);
  const [agreements, setAgreements] = useState<Agreement[] | null>(null);
  const { busy, error, run } = useAction();
  const show = async () => {
    setOpen(true);
    setF({ title, summary: '', agreement: '' });
    if (agreements === null) {
      // The agreements in force the organisation is a party to.
      try {
        const r = await get<{ items: Agreement[] }>('/api/v1/agreements', { parties: session.organisation, status: 'in-force', limit: 200 });
        setAgreements(r.items.filter((a) => a.status === 'in-force'));
      } catch {
        setAgreements([]);
      }
    }
  };
  const problem = markingProblem(marking.tlp, marking.audience);
  const chosen = (agreements ?? []).find((a) => String(a.id) === f.agreement);
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const made = await request<Share>('POST', '/api/v1/shares', {
        title: f.title.trim(), summary: f.summary.trim(), tlp: marking.tlp, audience: cleanAudience(marking.audience),
        ...(f.agreement ? { agreement: Number(f.agreement) } : {}), ...sources,
      });
      navigate(`/shares/${made.id}`);
    }, true);
  };
  if (!open)
    return (
      <button type="button" class="secondary" onClick={show} data-testid={testid}>
        {t('share.button')}{count !== undefined && ` (${tn('count.reports', count)})`}
      </button>
    );
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  return (
    <form class="stack-form share-form" onSubmit={submit} data-testid={`${testid}-form`} aria-labelledby={`${testid}-form-h`}>
      <h2 id={`${testid}-form-h`}>{t('share.formTitle')}</h2>
      <p class="muted small">{t('share.formIntro')}</p>
      <label class="block">{t('case.titleField')}
        <input required maxLength={300} value={f.title} onInput={set('title')} data-testid={`${testid}-title`} />
      </label>
      <label class="block">{t('share.summary')}
        <textarea rows={3} value={f.summary} onInput={set('summary')} data-testid={`${testid}-summary`} />
      </label>
      <MarkingEditor value={marking} onChange={setMarking} own={session.organisation} idPrefix={testid} />
      <label class="block">{t('share.agreement')}
        <select value={f.agreement} onChange={set('agreement')} data-testid={`${testid}-agreement`}>
          <option value="">{t('share.noAgreement')}</option>
          {(agreements ?? []).map((a) => (
            <option value={String(a.id)}>
              {a.title} ({a.parties.join(', ')}){a.personal_data ? ` — ${t('share.personalAllowed')}` : ''}
            </option>
          ))}
        </select>
      </label>
      <p class="muted small" data-testid={`${testid}-personal-note`}>{chosen?.personal_data ? t('share.personalGoes') : t('share.personalStays')}</p>
      <ErrorBox error={error} />
      <div class="form-row">
        <button type="submit" disabled={busy || !!problem} data-testid={`${testid}-submit`}>{t('share.submit')}</button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}
