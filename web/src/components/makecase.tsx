// "Make a case" from what a page shows (a campaign, the reports selected in the inbox, an
// indicator), or add it to one of the organisation's open cases. Opens the case when done.
import { useState } from 'preact/hooks';
import { get, request, type Session } from '../api';
import type { Case, CaseSources } from '../coop';
import '../messages/coop';
import { t, tn } from '../i18n';
import { navigate } from '../router';
import { useAction } from './form';

export function MakeCase({ session, sources, title, count, testid = 'make-case' }: {
  session: Session; sources: CaseSources; title: string; count?: number; testid?: string;
}) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(title);
  const [target, setTarget] = useState('');
  const [cases, setCases] = useState<Case[] | null>(null);
  const { busy, error, run } = useAction();
  const show = async () => {
    setOpen(true);
    setName(title);
    if (cases === null) {
      try {
        const r = await get<{ items: Case[] }>('/api/v1/cases', { organisation: session.organisation, status: 'active', sort: 'updated', limit: 100 });
        setCases(r.items);
      } catch {
        setCases([]);
      }
    }
  };
  const make = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const c = target
        ? await request<Case>('POST', `/api/v1/cases/${target}/reports`, sources)
        : await request<Case>('POST', '/api/v1/cases', { title: name.trim(), ...sources });
      navigate(`/cases/${c.id}${target ? `?added=${c.added_reports ?? 0}` : ''}`);
    }, true);
  };
  if (!open)
    return (
      <button type="button" class="make-case" onClick={show} data-testid={testid}>
        {t('makeCase.button')}{count !== undefined && ` (${tn('count.reports', count)})`}
      </button>
    );
  return (
    <form class="inline-form make-case-form" onSubmit={make} data-testid={`${testid}-form`}>
      <label class="grow">
        {t('makeCase.into')}
        <select value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)} data-testid={`${testid}-target`}>
          <option value="">{t('makeCase.new')}</option>
          {(cases ?? []).map((c) => <option value={String(c.id)}>{t('makeCase.existing', { id: c.id, title: c.title })}</option>)}
        </select>
      </label>
      {!target && (
        <label class="grow">
          {t('case.titleField')}
          <input required maxLength={300} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)}
            data-testid={`${testid}-title`} />
        </label>
      )}
      <button type="submit" disabled={busy} data-testid={`${testid}-submit`}>{target ? t('makeCase.add') : t('makeCase.create')}</button>
      <button type="button" class="secondary" onClick={() => setOpen(false)}>{t('common.cancel')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
