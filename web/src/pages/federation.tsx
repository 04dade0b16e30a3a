// The node among the network's nodes, for its administrators: its name and keys, the roster it
// holds, every other node's queue, deliveries, failures and last error — a delivery that fails
// always says why — and the latest messages refused either way. Read again every 10 seconds.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api';
import { msIso, type FederationStatus, type PeerStatus, type Refusal } from '../federation';
import { ErrorBox, Loading, Section, Time, useAsync } from '../components/common';
import '../messages/federation';
import { fmtDateTime, fmtNumber, getLocale, t, tn } from '../i18n';
import { markReady } from '../ready';

const REFRESH_MS = 10000;

// How long ago `ms` was, in the largest whole unit ("5 minutes").
export function age(ms: number, now = Date.now()): string {
  const s = Math.max(0, (now - ms) / 1000);
  const [v, unit] = s < 60 ? [s, 'second'] : s < 3600 ? [s / 60, 'minute'] : s < 86400 ? [s / 3600, 'hour'] : [s / 86400, 'day'];
  return new Intl.NumberFormat(getLocale(), { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 0 }).format(Math.floor(v));
}

// A key in full, selectable at once, with a button that copies it.
function KeyValue({ value, what, testid }: { value: string; what: string; testid: string }) {
  const [state, setState] = useState<'' | 'copied' | 'failed'>('');
  const code = useRef<HTMLElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      // No clipboard (an insecure origin, or refused): select it for the user to copy.
      const r = document.createRange();
      if (code.current) r.selectNodeContents(code.current);
      const sel = window.getSelection();
      sel?.removeAllRanges();
      sel?.addRange(r);
      setState('failed');
    }
  };
  return (
    <span class="key-value">
      <code class="mono key" ref={code} data-testid={testid}>{value}</code>
      <button type="button" class="secondary small" onClick={copy} data-testid={`${testid}-copy`}>
        {t('federation.copy')}<span class="visually-hidden"> {what}</span>
      </button>
      <span role="status" class="muted small">{state === 'copied' ? t('federation.copied') : state === 'failed' ? t('federation.copyFailed') : ''}</span>
    </span>
  );
}

function When({ ms }: { ms: number | undefined }) {
  return ms ? <Time iso={msIso(ms)} /> : <span class="muted">{t('federation.never')}</span>;
}

function NodeFacts({ s }: { s: FederationStatus }) {
  return (
    <Section title={t('federation.node')} id="node">
      <dl class="facts" data-testid="node-facts">
        <dt>{t('federation.name')}</dt>
        <dd data-testid="node-name">{s.node ? <strong>{s.node}</strong> : <span class="muted">{t('federation.unnamed')}</span>}</dd>
        <dt>{t('federation.signKey')}</dt>
        <dd><KeyValue value={s.sign_key} what={t('federation.signKey')} testid="sign-key" /></dd>
        <dt>{t('federation.tlsKey')}</dt>
        <dd><KeyValue value={s.tls_key} what={t('federation.tlsKey')} testid="tls-key" /></dd>
        <dt>{t('federation.role')}</dt>
        <dd data-testid="node-role" data-secretariat={String(s.secretariat)}>{s.secretariat ? t('federation.secretariat') : t('federation.member')}</dd>
      </dl>
    </Section>
  );
}

function RosterFacts({ s }: { s: FederationStatus }) {
  const r = s.roster;
  return (
    <Section title={t('federation.roster')} id="roster">
      {r ? (
        <dl class="facts" data-testid="roster" data-network={r.network} data-serial={r.serial}>
          <dt>{t('federation.network')}</dt><dd>{r.network}</dd>
          <dt>{t('federation.serial')}</dt><dd data-testid="roster-serial">{fmtNumber(r.serial)}</dd>
          <dt>{t('federation.issued')}</dt><dd><Time iso={msIso(r.issued_at * 1000)} /></dd>
        </dl>
      ) : (
        <div class="empty" data-testid="no-roster">
          <p>{t('federation.noRoster')}</p>
          <pre class="raw-line"><code>lapis federation roster install --data DATA_DIR --secretariat-key HEX roster.json</code></pre>
        </div>
      )}
    </Section>
  );
}

function PeerRows({ p, now }: { p: PeerStatus; now: number }) {
  const failing = p.failures > 0;
  const detail = !!(p.last_error || p.next);
  return (
    <>
      <tr class={failing ? 'failing' : ''} data-peer={p.name} data-failing={String(failing)} data-queued={p.queued}
        data-testid="peer">
        <th scope="row">
          <strong>{p.name}</strong>
          {failing && <> <span class="badge bad" data-testid="peer-failing">{t('federation.failing')}</span></>}
          {!!p.orgs?.length && <div class="muted small">{t('federation.hosts', { list: p.orgs.join(', ') })}</div>}
        </th>
        <td>
          <span class={`badge ${p.on_roster ? 'ok' : 'warn'}`} data-on-roster={String(p.on_roster)}>
            {p.on_roster ? t('federation.onRosterYes') : t('federation.onRosterNo')}
          </span>
        </td>
        <td class="url-cell mono" data-testid="peer-endpoint">{p.endpoint ?? '—'}</td>
        <td class="num">
          <span data-testid="peer-queued">{fmtNumber(p.queued)}</span>
          {p.queued > 0 && p.oldest_queued_at && (
            <div class="muted small nowrap" data-testid="peer-oldest">{t('federation.oldest', { age: age(p.oldest_queued_at, now) })}</div>
          )}
        </td>
        <td class="num">{fmtNumber(p.delivered)}</td>
        <td class="num">{fmtNumber(p.received)}</td>
        <td class="num">{p.refused > 0 ? <span class="badge warn">{fmtNumber(p.refused)}</span> : fmtNumber(p.refused)}</td>
        <td class="num" data-testid="peer-failures">{failing ? <strong class="warn-text">{fmtNumber(p.failures)}</strong> : fmtNumber(p.failures)}</td>
        <td class="nowrap"><When ms={p.last_success_at} /></td>
      </tr>
      {detail && (
        <tr class={`peer-detail ${failing ? 'failing' : ''}`} data-peer={p.name}>
          <td colSpan={9}>
            {p.last_error && (
              <p>
                <strong>{t('federation.lastError', { time: fmtDateTime(msIso(p.last_error_at)) })}</strong>{' '}
                <span class="prewrap peer-error" data-testid="peer-error">{p.last_error}</span>
              </p>
            )}
            {p.last_attempt_at && <p class="muted small">{t('federation.lastAttempt', { time: fmtDateTime(msIso(p.last_attempt_at)) })}</p>}
            {p.next && (
              <p class="small" data-testid="peer-next" data-id={p.next.id} data-type={p.next.type}>
                {t('federation.next', { type: p.next.type, id: p.next.id })} · {tn('federation.attempts', p.next.attempts)}
                {p.next.last_error && <>; {t('federation.nextError')} <span class="prewrap peer-error" data-testid="peer-next-error">{p.next.last_error}</span></>}
              </p>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function Peers({ s, now }: { s: FederationStatus; now: number }) {
  return (
    <Section title={t('federation.peers')} id="peers">
      {s.peers.length === 0 ? (
        <p class="empty" data-testid="peers-empty">{s.roster ? t('federation.noPeers') : t('federation.noPeersNoRoster')}</p>
      ) : (
        <div class="table-wrap">
          <table class="data" data-testid="peers-table">
            <caption class="visually-hidden">{t('federation.peersCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('federation.peer')}</th>
                <th scope="col">{t('federation.onRoster')}</th>
                <th scope="col">{t('federation.endpoint')}</th>
                <th scope="col" class="num">{t('federation.queued')}</th>
                <th scope="col" class="num">{t('federation.delivered')}</th>
                <th scope="col" class="num">{t('federation.received')}</th>
                <th scope="col" class="num">{t('federation.refusedCount')}</th>
                <th scope="col" class="num">{t('federation.failures')}</th>
                <th scope="col">{t('federation.lastSuccess')}</th>
              </tr>
            </thead>
            <tbody>
              {s.peers.map((p) => <PeerRows key={p.name} p={p} now={now} />)}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function Refusals({ title, intro, items, withType, testid }: {
  title: string; intro: string; items: Refusal[]; withType?: boolean; testid: string;
}) {
  return (
    <Section title={title} id={testid}>
      <p class="muted small">{intro}</p>
      {items.length === 0 ? <p class="empty" data-testid={`${testid}-empty`}>{t('federation.noRefused')}</p> : (
        <div class="table-wrap">
          <table class="data" data-testid={testid}>
            <caption class="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{t('federation.at')}</th>
                <th scope="col">{t('federation.peer')}</th>
                <th scope="col">{t('federation.id')}</th>
                {withType && <th scope="col">{t('federation.type')}</th>}
                <th scope="col">{t('federation.reason')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr data-id={r.id} data-peer={r.peer}>
                  <td class="nowrap"><Time iso={msIso(r.at)} /></td>
                  <td>{r.peer}</td>
                  <td class="mono url-cell">{r.id}</td>
                  {withType && <td>{r.type ?? '—'}</td>}
                  <td class="prewrap" data-testid="refusal-reason">{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

export function Federation() {
  const status = useAsync(() => get<FederationStatus>('/api/v1/federation/status'), []);
  // The last status read, kept while a refresh fails.
  const [shown, setShown] = useState<{ s: FederationStatus; at: number } | null>(null);
  useEffect(() => {
    if (!status.data) return;
    setShown({ s: status.data, at: Date.now() });
    markReady('federation');
  }, [status.data]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden) status.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const s = shown?.s;
  const readAt = shown ? new Intl.DateTimeFormat(getLocale(), { timeStyle: 'medium' }).format(new Date(shown.at)) : '';
  return (
    <section>
      <h1>{t('federation.title')}</h1>
      <p class="muted">{t('federation.intro')}</p>
      <div class="toolbar">
        <button type="button" class="secondary" onClick={() => status.reload()} disabled={status.loading}
          data-testid="federation-refresh">{t('federation.refresh')}</button>
        {shown && <span class="muted small" data-testid="federation-read-at" data-at={shown.at}>{t('federation.updated', { time: readAt })}</span>}
      </div>
      <ErrorBox error={status.error} />
      <Loading when={status.loading && !s} />
      {s && (
        <>
          <NodeFacts s={s} />
          <RosterFacts s={s} />
          <Peers s={s} now={shown!.at} />
          <div class="grid2 align-start">
            <Refusals title={t('federation.refused')} intro={t('federation.refusedIntro')} items={s.refused} testid="refused" />
            <Refusals title={t('federation.refusedByPeers')} intro={t('federation.refusedByPeersIntro')} items={s.refused_by_peers}
              withType testid="refused-by-peers" />
          </div>
        </>
      )}
    </section>
  );
}
