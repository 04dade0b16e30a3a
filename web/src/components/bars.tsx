// A ranked list of values with their report counts drawn as bars; each a link when `href` is
// given (the dashboard's top lists open the inbox filtered by the value).
import type { StatRow } from '../api';
import { fmtNumber, t } from '../i18n';

export function TopList({ title, rows, href, text, testid }: {
  title: string;
  rows: StatRow[];
  href?: (v: string) => string;
  text: (v: string) => string;
  testid: string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.reports));
  const row = (r: StatRow) => (
    <>
      <span class="bar-label">{text(r.value)}</span>
      <span class="bar" style={{ width: `${(100 * r.reports) / max}%` }} aria-hidden="true" />
      <span class="bar-value">{fmtNumber(r.reports)}</span>
    </>
  );
  return (
    <section class="card" aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? <p class="muted">{t('dashboard.nothing')}</p> : (
        <ol class="bars" data-testid={testid}>
          {rows.map((r) => (
            <li data-value={r.value} data-reports={r.reports}>
              {href ? <a href={href(r.value)} data-value={r.value}>{row(r)}</a> : <span class="bar-row">{row(r)}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
