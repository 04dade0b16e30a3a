// One report: what it is, where it came from (the Received path with the origin hop and why),
// what it points to, and the evidence itself (raw source, download, safe preview).
import { useEffect, useState } from 'preact/hooks';
import { get, type Analysis, type Hop, type Report, type Session } from '../api';
import { ReferLink, ReportOutcomes } from '../components/flows';
import {
  CategoryBadge, Country, ErrorBox, Flags, Loading, Network, Section, Time, errorText, inboxHref, useAsync,
} from '../components/common';
import { fmtBytes, fmtNumber, getLang, label, t, tn } from '../i18n';
import { markReady } from '../ready';
import { parseMessage, previewDocument, sanitizeHtml, type ParsedMessage, type SafeHtml } from '../preview';

const MAX_SOURCE_SHOWN = 1024 * 1024;

function indicatorHref(type: string, value: string) {
  return `/indicators?type=${encodeURIComponent(type)}&value=${encodeURIComponent(value)}`;
}

function Summary({ r }: { r: Report }) {
  const a = r.analysis;
  const h = a?.headers;
  return (
    <Section title={t('report.summary')} id="summary">
      <dl class="facts">
        <dt>{t('field.category')}</dt>
        <dd data-testid="category" data-category={r.category ?? ''}>
          <CategoryBadge category={r.category} />
          {a && <span class="muted"> {t('report.score', { score: a.classification.score.toFixed(2) })}</span>}
        </dd>
        {h && <><dt>{t('field.from')}</dt><dd>{h.from ? `${h.from.name ? h.from.name + ' ' : ''}<${h.from.address ?? ''}>` : '—'}</dd></>}
        {h && h.reply_to.length > 0 && <><dt>{t('field.replyTo')}</dt><dd>{h.reply_to.map((m) => m.address).join(', ')}</dd></>}
        {h && <><dt>{t('field.returnPath')}</dt><dd>{h.return_path ?? '—'}</dd></>}
        {h && <><dt>{t('field.date')}</dt><dd><Time iso={h.date} /></dd></>}
        {a?.sms && <><dt>{t('field.sender')}</dt><dd>{a.sms.sender ?? '—'} ({label('senderType', a.sms.sender_type)})</dd></>}
        <dt>{t('field.received')}</dt><dd><Time iso={r.first_seen} />{r.last_seen !== r.first_seen && <> – <Time iso={r.last_seen} /></>}</dd>
        <dt>{t('field.complaints')}</dt><dd>{fmtNumber(r.complaints)}</dd>
        <dt>{t('field.size')}</dt><dd>{fmtBytes(r.size)}</dd>
        <dt>{t('field.campaign')}</dt>
        <dd>{r.campaign ? <a href={`/campaigns/${r.campaign}`} data-testid="campaign-link">{t('report.campaignN', { n: r.campaign })}</a> : '—'}</dd>
        <dt>{t('field.language')}</dt><dd>{a?.language ?? '—'}</dd>
        {h?.message_id && <><dt>{t('field.messageId')}</dt><dd class="mono">{h.message_id}</dd></>}
        {h?.mailer && <><dt>{t('field.mailer')}</dt><dd>{h.mailer}</dd></>}
        <dt>{t('field.status')}</dt><dd>{label('status', r.status)}{r.error ? ` — ${r.error}` : ''}</dd>
        <dt>{t('field.evidence')}</dt><dd class="mono small" data-testid="report-id">{r.id}</dd>
        {a?.wrapper && <><dt>{t('field.wrapper')}</dt><dd>{label('wrapper', String(a.wrapper.type))}{a.wrapper.feedback_type ? ` (${a.wrapper.feedback_type})` : ''}</dd></>}
      </dl>
    </Section>
  );
}

function hopClient(h: Hop) {
  return h.rdns ?? h.helo ?? h.ip ?? t('report.unknownHost');
}

// The path the message travelled, in travel order: the sender at the top, the recipient's own
// system at the bottom. The origin hop is the one the trust walk stopped at.
function ReceivedPath({ a }: { a: Analysis }) {
  const o = a.origin;
  const hops = a.received.map((h, i) => ({ h, i })).reverse();
  return (
    <Section title={t('report.path')} id="path">
      {o ? (
        <div class="origin-box" data-testid="origin">
          <p>
            <strong>{t('report.origin')}: </strong>
            <span class="mono" data-testid="origin-ip">{o.ip}</span>{' '}
            {o.rdns && <span class="muted">({o.rdns}) </span>}
            {o.asn && <>· <Network asn={o.asn} org={o.as_org} /> </>}
            {o.country && <>· <Country code={o.country} /></>}
          </p>
          <p>
            <span class="badge">{label('originKind', o.kind)}</span>{' '}
            <span class={`badge conf-${o.confidence}`}>{t('report.confidence')}: {label('confidence', o.confidence)}</span>
            {o.client_ip && <> · {t('report.clientIp')}: <span class="mono">{o.client_ip}</span></>}
          </p>
          <p class="reason" data-testid="origin-reason"><strong>{t('report.reason')}: </strong>{o.reason}</p>
        </div>
      ) : (
        <p class="muted">{a.received.length ? t('report.noOrigin') : t('report.noReceived')}</p>
      )}
      {hops.length > 0 && (
        <ol class="hops" aria-label={t('report.hops')}>
          {hops.map(({ h, i }) => {
            const isOrigin = o?.hop === i;
            return (
              <li class={`hop ${isOrigin ? 'origin' : ''} ${h.trusted ? 'trusted' : 'untrusted'}`} data-hop={i}
                data-testid={isOrigin ? 'origin-hop' : undefined} aria-current={isOrigin ? 'step' : undefined}>
                <div class="hop-head">
                  <span class="hop-from">
                    <span class="mono">{h.ip ?? '—'}</span> {hopClient(h) !== h.ip && <span>{hopClient(h)}</span>}
                  </span>
                  <span aria-hidden="true"> → </span>
                  <span class="visually-hidden">{t('report.handedTo')}</span>
                  <span class="hop-by">{h.by ?? '—'}</span>
                </div>
                <div class="hop-meta small">
                  {isOrigin && <span class="badge origin-badge">{t('report.origin')}</span>}
                  <span class={`badge ${h.trusted ? 'ok' : 'warn'}`}>{h.trusted ? t('report.trusted') : t('report.untrusted')}</span>
                  {h.protocol && <span>{h.protocol}</span>}
                  <Flags group="hopFlag" flags={h.flags} />
                  <Time iso={h.time} />
                  {h.helo && <span class="muted">HELO {h.helo}</span>}
                </div>
                <details class="small">
                  <summary>{t('report.rawHeader')}</summary>
                  <pre class="raw-line">{h.raw}</pre>
                </details>
              </li>
            );
          })}
        </ol>
      )}
    </Section>
  );
}

function Indicators({ a }: { a: Analysis }) {
  const ind = a.indicators;
  const total = ind.ips.length + ind.domains.length + ind.urls.length + ind.emails.length + ind.phones.length + ind.payments.length;
  return (
    <Section title={t('report.indicators')} id="indicators">
      {total === 0 && <p class="muted">{t('report.noIndicators')}</p>}
      {ind.ips.length > 0 && (
        <table class="data" data-testid="indicator-ips">
          <caption>{t('indicator.ip')} ({fmtNumber(ind.ips.length)})</caption>
          <thead><tr><th scope="col">{t('indicator.ip')}</th><th scope="col">{t('field.network')}</th><th scope="col">{t('field.country')}</th><th scope="col">{t('report.seenIn')}</th></tr></thead>
          <tbody>
            {ind.ips.map((ip) => (
              <tr data-testid="indicator-ip" data-ip={ip.ip} data-asn={ip.asn ?? ''} data-country={ip.country ?? ''}>
                <td class="mono"><a href={indicatorHref('ip', ip.ip)}>{ip.ip}</a>{ip.range && <span class="muted small"> ({label('range', ip.range)})</span>}</td>
                <td><Network asn={ip.asn} org={ip.as_org} /></td>
                <td><Country code={ip.country} /></td>
                <td class="small">{ip.sources.map((s) => label('source', s)).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {ind.domains.length > 0 && (
        <table class="data">
          <caption>{t('indicator.domain')} ({fmtNumber(ind.domains.length)})</caption>
          <thead><tr><th scope="col">{t('report.host')}</th><th scope="col">{t('report.registrable')}</th><th scope="col">{t('report.seenIn')}</th></tr></thead>
          <tbody>
            {ind.domains.map((d) => (
              <tr data-testid="indicator-domain" data-host={d.host}>
                <td class="mono"><a href={indicatorHref('host', d.host)}>{d.host}</a></td>
                <td class="mono">{d.registrable ? <a href={indicatorHref('domain', d.registrable)}>{d.registrable}</a> : '—'}</td>
                <td class="small">{d.sources.map((s) => label('source', s)).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {ind.urls.length > 0 && (
        <table class="data urls">
          <caption>{t('indicator.url')} ({fmtNumber(ind.urls.length)})</caption>
          <thead><tr><th scope="col">{t('indicator.url')}</th><th scope="col">{t('report.foundIn')}</th><th scope="col">{t('report.flags')}</th></tr></thead>
          <tbody>
            {ind.urls.map((u) => (
              <tr data-testid="indicator-url">
                <td class="mono url-cell">
                  <a href={indicatorHref('url', u.url)} title={t('report.lookUp')}>{u.url}</a>
                  {u.display_text && <div class="small warn-text">{t('report.linkText')}: {u.display_text}</div>}
                </td>
                <td class="small">{label('urlSource', u.source)}</td>
                <td><Flags group="urlFlag" flags={u.flags} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(ind.emails.length > 0 || ind.phones.length > 0 || ind.payments.length > 0) && (
        <ul class="plain-list">
          {ind.emails.map((e) => <li data-testid="indicator-email"><span class="badge">{t('indicator.email')}</span> <a class="mono" href={indicatorHref('email', e.address)}>{e.address}</a> <span class="muted small">{e.sources.map((s) => label('source', s)).join(', ')}</span></li>)}
          {ind.phones.map((p) => <li><span class="badge">{t('indicator.phone')}</span> <a class="mono" href={indicatorHref('phone', p.number)}>{p.number}</a> <Country code={p.country === '001' ? null : p.country} /></li>)}
          {ind.payments.map((p) => <li><span class="badge">{label('payment', p.type)}</span> <a class="mono" href={indicatorHref('payment', p.value)}>{p.value}</a></li>)}
        </ul>
      )}
    </Section>
  );
}

function Attachments({ a }: { a: Analysis }) {
  const list = a.indicators.attachments;
  return (
    <Section title={t('report.attachments')} id="attachments">
      {list.length === 0 ? <p class="muted">{t('report.noAttachments')}</p> : (
        <table class="data">
          <thead><tr><th scope="col">{t('report.file')}</th><th scope="col">{t('report.type')}</th><th scope="col">{t('field.size')}</th><th scope="col">{t('report.risk')}</th></tr></thead>
          <tbody>
            {list.map((x) => (
              <tr class={x.flags.length ? 'risky' : ''} data-testid="attachment">
                <td>
                  {x.filename ?? <span class="muted">{t('report.unnamed')}</span>}
                  <div class="mono small"><a href={indicatorHref('attachment', x.sha256)}>{x.sha256}</a></div>
                  {x.archive_entries.length > 0 && <details class="small"><summary>{tn('count.entries', x.archive_entries.length)}</summary><ul>{x.archive_entries.map((n) => <li class="mono">{n}</li>)}</ul></details>}
                </td>
                <td class="small">{x.declared_type ?? '—'}{x.detected_type && x.detected_type !== x.declared_type && <div>{t('report.detected')}: {x.detected_type}</div>}</td>
                <td class="nowrap">{fmtBytes(x.size)}</td>
                <td>{x.flags.length ? <Flags group="riskFlag" flags={x.flags} /> : <span class="muted">{t('report.noRisk')}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Classification({ a }: { a: Analysis }) {
  const c = a.classification;
  const scores = Object.entries(c.scores).sort((x, y) => y[1] - x[1]);
  return (
    <Section title={t('report.classification')} id="classification">
      <p><CategoryBadge category={c.category} /> {t('report.score', { score: c.score.toFixed(2) })}</p>
      <h3>{t('report.reasons')}</h3>
      {c.reasons.length ? <ul class="reasons">{c.reasons.map((r) => <li>{r}</li>)}</ul> : <p class="muted">—</p>}
      <details>
        <summary>{t('report.scores')}</summary>
        <table class="data compact">
          <tbody>{scores.map(([k, v]) => <tr><th scope="row">{label('category', k)}</th><td>{fmtNumber(v)}</td></tr>)}</tbody>
        </table>
      </details>
    </Section>
  );
}

function resultClass(r: string | null) {
  if (!r) return 'muted';
  if (r === 'pass') return 'ok';
  if (['fail', 'softfail', 'permerror'].includes(r)) return 'bad';
  return 'warn';
}

function Authentication({ a }: { a: Analysis }) {
  const au = a.authentication;
  return (
    <Section title={t('report.authentication')} id="authentication">
      <ul class="auth">
        {(['spf', 'dkim', 'dmarc'] as const).map((m) => (
          <li><strong>{m.toUpperCase()}</strong> <span class={`badge ${resultClass(au[m])}`}>{au[m] ?? t('report.noResult')}</span></li>
        ))}
        <li><strong>ARC</strong> <span class="badge">{au.arc ? t('common.yes') : t('common.no')}</span></li>
      </ul>
      <dl class="facts">
        <dt>{t('report.fromDomain')}</dt><dd>{au.alignment.from_domain ?? '—'}</dd>
        <dt>{t('report.returnPathDomain')}</dt><dd>{au.alignment.return_path_domain ?? '—'} ({au.alignment.return_path_aligned ? t('report.aligned') : t('report.notAligned')})</dd>
        <dt>{t('report.dkimAligned')}</dt><dd>{au.alignment.dkim_aligned ? t('common.yes') : t('common.no')}</dd>
        {au.dkim_signatures.length > 0 && <><dt>{t('report.dkimSignatures')}</dt><dd>{au.dkim_signatures.map((s) => `d=${s.d ?? '?'} s=${s.s ?? '?'}`).join('; ')}</dd></>}
      </dl>
      {au.results.length > 0 && (
        <details>
          <summary>{tn('count.results', au.results.length)}</summary>
          <table class="data compact">
            <thead><tr><th scope="col">{t('report.authserv')}</th><th scope="col">{t('report.method')}</th><th scope="col">{t('report.result')}</th><th scope="col">{t('report.properties')}</th></tr></thead>
            <tbody>{au.results.map((r) => <tr><td>{r.authserv_id}</td><td>{r.method}</td><td><span class={`badge ${resultClass(r.result)}`}>{r.result}</span></td><td class="small mono">{Object.entries(r.properties).map(([k, v]) => `${k}=${v}`).join(' ')}</td></tr>)}</tbody>
          </table>
        </details>
      )}
    </Section>
  );
}

function Defects({ a }: { a: Analysis }) {
  if (!a.defects.length) return null;
  return (
    <Section title={t('report.defects')} id="defects">
      <ul class="small">{a.defects.map((d) => <li><code>{d.code}</code>{d.detail && ` — ${d.detail}`}</li>)}</ul>
    </Section>
  );
}

interface Evidence {
  bytes: ArrayBuffer;
  text: string;
  parsed: ParsedMessage | null;
  safe: SafeHtml | null;
}

async function loadEvidence(id: string, kind: string): Promise<Evidence> {
  const res = await fetch(`/api/v1/reports/${id}/raw`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const bytes = await res.arrayBuffer();
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.slice(0, MAX_SOURCE_SHOWN));
  if (kind !== 'email') return { bytes, text, parsed: null, safe: null };
  const parsed = await parseMessage(bytes);
  const safe = parsed.html ? sanitizeHtml(parsed.html, parsed.inlineImages) : null;
  return { bytes, text, parsed, safe };
}

function EvidenceView({ r, canDownload }: { r: Report; canDownload: boolean }) {
  const [tab, setTab] = useState<'preview' | 'source' | null>(null);
  const [ev, setEv] = useState<Evidence | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    if (!tab || ev) return;
    loadEvidence(r.id, r.kind).then(setEv, (e) => setErr(errorText(e)));
  }, [tab]);
  if (!canDownload) return null;
  const tabButton = (k: 'preview' | 'source', text: string) => (
    <button type="button" role="tab" aria-selected={tab === k} aria-controls={`evidence-${k}`} id={`tab-${k}`}
      class={tab === k ? '' : 'secondary'} onClick={() => setTab(k)} data-testid={`tab-${k}`}>{text}</button>
  );
  return (
    <Section title={t('report.evidence')} id="evidence">
      <p class="muted small">{t('report.evidenceNote')}</p>
      <div class="toolbar">
        <div role="tablist" aria-label={t('report.evidence')}>
          {tabButton('preview', t('report.preview'))}
          {tabButton('source', t('report.source'))}
        </div>
        <a class="button secondary" href={`/api/v1/reports/${r.id}/raw`} download={`${r.id}.${r.kind === 'sms' ? 'json' : 'eml'}`}
          data-testid="download">{t('report.download')}</a>
      </div>
      <ErrorBox error={err} />
      <Loading when={!!tab && !ev && !err} />
      {tab === 'source' && ev && (
        <div role="tabpanel" id="evidence-source" aria-labelledby="tab-source">
          {ev.bytes.byteLength > MAX_SOURCE_SHOWN && <p class="muted small">{t('report.sourceCut', { n: fmtBytes(MAX_SOURCE_SHOWN) })}</p>}
          <pre class="source" tabIndex={0} data-testid="source">{ev.text}</pre>
        </div>
      )}
      {tab === 'preview' && ev && (
        <div role="tabpanel" id="evidence-preview" aria-labelledby="tab-preview">
          {ev.safe ? (
            <>
              <p class="muted small" data-testid="preview-note">
                {t('report.previewNote', { blocked: ev.safe.blocked, removed: ev.safe.removedElements })}
              </p>
              <iframe class="preview" title={t('report.preview')} sandbox="" referrerpolicy="no-referrer"
                srcdoc={previewDocument(ev.safe.html, getLang())} data-testid="preview-frame" />
              {ev.safe.links.length > 0 && (
                <details>
                  <summary>{tn('count.links', ev.safe.links.length)}</summary>
                  <ul class="small links">{ev.safe.links.map((l) => <li><span class="mono">{l.href}</span>{l.text && l.text !== l.href && <span class="muted"> — {l.text}</span>}</li>)}</ul>
                </details>
              )}
            </>
          ) : (
            <pre class="text-body" tabIndex={0} data-testid="preview-text">{ev.parsed?.text ?? ev.text}</pre>
          )}
        </div>
      )}
    </Section>
  );
}

export function ReportPage({ id, session }: { id: string; session: Session }) {
  const rep = useAsync(() => get<Report>(`/api/v1/reports/${id}`), [id]);
  const r = rep.data;
  const a = r?.analysis;
  useEffect(() => {
    if (r) markReady('report');
  }, [r]);
  return (
    <article class="report">
      <p class="crumbs"><a href="/inbox">{t('nav.inbox')}</a></p>
      <h1 data-testid="report-subject">{r ? (a?.headers?.subject ?? r.subject ?? (r.kind === 'sms' ? t('report.sms') : t('report.noSubject'))) : t('report.title')}</h1>
      <ErrorBox error={rep.error} />
      <Loading when={rep.loading && !r} />
      {r && (
        <div class="report-grid">
          <Summary r={r} />
          <p class="toolbar report-actions"><ReferLink session={session} report={r.id} /></p>
          <ReportOutcomes outcomes={r.outcomes ?? []} />
          {!a && <p class="muted">{t('report.notAnalysed')}</p>}
          {a && <ReceivedPath a={a} />}
          {a && <Classification a={a} />}
          {a && <Indicators a={a} />}
          {a && <Attachments a={a} />}
          {a && a.kind === 'email' && <Authentication a={a} />}
          {r.personal_data && (
            <Section title={t('report.personal')} id="personal">
              <details><summary>{t('report.personalNote')}</summary><pre class="small">{JSON.stringify(r.personal_data, null, 2)}</pre></details>
            </Section>
          )}
          {a && <Defects a={a} />}
          <EvidenceView r={r} canDownload={session.permissions.includes('download evidence')} />
          {a?.origin?.country && <p class="small"><a href={inboxHref({ origin_country: a.origin.country })}>{t('report.moreFromCountry', { country: a.origin.country })}</a></p>}
        </div>
      )}
    </article>
  );
}
