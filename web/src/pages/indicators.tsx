// Indicator search: paste an IP, domain, URL, phone number, e-mail address, payment identifier or
// attachment hash and see when and how often the organisation saw it, and in which reports.
import { useEffect, useRef, useState } from 'preact/hooks';
import { can, get, INDICATOR_TYPES, isMember, isMemberAgency, PERM, type IndicatorLookup, type Page, type ReportSummary, type Session } from '../api';
import { CategoryBadge, ErrorBox, Loading, Time, inboxHref, useAsync } from '../components/common';
import { label, t, tn } from '../i18n';
import { navigate } from '../router';
import { markReady } from '../ready';
import { MakeCase } from '../components/makecase';
import { ShareAction } from '../components/share';

// The type a pasted value most likely is.
export function guessType(v: string): string {
  const s = v.trim();
  if (/^[0-9a-f]{64}$/i.test(s)) return 'attachment';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (/^[0-9a-f:]+$/i.test(s) && s.includes(':'))) return 'ip';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return 'url';
  if (/^[^@\s]+@[^@\s]+$/.test(s)) return 'email';
  if (/^\+?[\d\s().-]{7,}$/.test(s)) return 'phone';
  if (/^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,62}$/.test(s) || /^0x[0-9a-fA-F]{40}$/.test(s) || /^[A-Z]{2}\d{2}[A-Z0-9 ]{10,30}$/.test(s)) return 'payment';
  return 'domain';
}

function normalise(type: string, v: string): string {
  const s = v.trim();
  if (type === 'phone') return s.replace(/[\s().-]/g, '');
  if (type === 'domain' || type === 'host' || type === 'email') return s.toLowerCase();
  if (type === 'payment') return s.replace(/\s/g, '');
  return s;
}

// The newest reports carrying the indicator (one list request rather than one read per report).
function LatestReports({ type, value }: { type: string; value: string }) {
  const page = useAsync(() => get<Page<ReportSummary>>('/api/v1/reports', { [type]: value, limit: 20 }), [type, value]);
  if (!page.data) return <Loading when={page.loading} />;
  return (
    <table class="data">
      <caption>{t('indicators.latest', { n: page.data.items.length })}</caption>
      <thead><tr><th scope="col">{t('field.category')}</th><th scope="col">{t('field.subject')}</th><th scope="col">{t('field.received')}</th></tr></thead>
      <tbody>
        {page.data.items.map((r) => (
          <tr data-id={r.id}>
            <td><CategoryBadge category={r.category} /></td>
            <td class="subject"><a href={`/reports/${r.id}`}>{r.subject ?? t('report.noSubject')}</a></td>
            <td><Time iso={r.first_seen} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Indicators({ query, session }: { query: URLSearchParams; session: Session }) {
  const qType = query.get('type') ?? '';
  const qValue = query.get('value') ?? '';
  const [value, setValue] = useState(qValue);
  const [type, setType] = useState(qType || 'auto');
  // The form follows the URL when it changes (back, forward, a link), not on first display.
  const shown = useRef(`${qType}\n${qValue}`);
  useEffect(() => {
    if (shown.current === `${qType}\n${qValue}`) return;
    shown.current = `${qType}\n${qValue}`;
    setValue(qValue);
    setType(qType || 'auto');
  }, [qType, qValue]);
  const result = useAsync(
    () => (qType && qValue ? get<IndicatorLookup>('/api/v1/indicators', { type: qType, value: qValue }) : Promise.resolve(null)),
    [qType, qValue],
  );
  useEffect(() => {
    if (!result.loading) markReady('indicators');
  }, [result.loading]);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!value.trim()) return;
    const ty = type === 'auto' ? guessType(value) : type;
    navigate(`/indicators?type=${encodeURIComponent(ty)}&value=${encodeURIComponent(normalise(ty, value))}`);
  };
  const r = result.data;
  const canReadReports = session.permissions.includes('read reports');
  return (
    <section>
      <h1>{t('indicators.title')}</h1>
      <p class="muted">{t('indicators.intro')}</p>
      <form class="filters" onSubmit={submit} role="search" aria-label={t('indicators.title')}>
        <label class="grow">
          {t('indicators.value')}
          <input name="value" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            placeholder="203.0.113.5, example.com, +447700900123…" required data-testid="indicator-value" />
        </label>
        <label>
          {t('indicators.type')}
          <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
            <option value="auto">{t('indicators.auto')}</option>
            {INDICATOR_TYPES.map((k) => <option value={k}>{label('indicator', k)}</option>)}
          </select>
        </label>
        <div class="actions"><button type="submit">{t('indicators.search')}</button></div>
      </form>
      <ErrorBox error={result.error} />
      <Loading when={result.loading && !!qValue} />
      {r && (
        <section class="card" aria-live="polite" data-testid="indicator-result">
          <h2><span class="badge">{label('indicator', r.type)}</span> <span class="mono">{r.value}</span></h2>
          {r.reports === 0 ? <p>{t('indicators.never')}</p> : (
            <>
              <dl class="facts">
                <dt>{t('campaigns.reports')}</dt><dd data-testid="indicator-count">{tn('count.reports', r.reports)}</dd>
                <dt>{t('campaigns.firstSeen')}</dt><dd><Time iso={r.first_seen} /></dd>
                <dt>{t('campaigns.lastSeen')}</dt><dd><Time iso={r.last_seen} /></dd>
              </dl>
              {canReadReports && <p><a href={inboxHref({ [r.type]: r.value })}>{t('indicators.openInbox')}</a></p>}
              {canReadReports && can(session, PERM.manageCases) && isMember(session) && (
                <div class="toolbar">
                  {isMemberAgency(session) && (
                    <MakeCase session={session} sources={{ indicators: [{ type: r.type, value: r.value }] }}
                      title={`${label('indicator', r.type)} ${r.value}`} count={r.reports} />
                  )}
                  <ShareAction session={session} sources={{ indicators: [{ type: r.type, value: r.value }] }}
                    title={`${label('indicator', r.type)} ${r.value}`} count={r.reports} />
                </div>
              )}
              {canReadReports && <LatestReports type={r.type} value={r.value} />}
            </>
          )}
        </section>
      )}
    </section>
  );
}
