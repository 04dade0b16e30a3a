import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { countryName, fmtDateTime, label, t } from '../i18n';

export interface Async<T> {
  data: T | undefined;
  error: string;
  loading: boolean;
  reload: () => void;
}

// Runs `load` whenever `deps` change; a late answer to an older request is dropped.
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error: string; loading: boolean }>({ error: '', loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, error: '', loading: true }));
    load().then(
      (data) => live && setState({ data, error: '', loading: false }),
      (e) => live && setState({ error: errorText(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, data: state.data, reload: () => setTick((n) => n + 1) };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404) return t('error.notFound');
    if (e.status === 403) return t('error.forbidden');
    if (e.status === 503) return t('error.unavailable');
    return `${e.status} ${e.title}${e.detail ? ': ' + e.detail : ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}

export function ErrorBox({ error }: { error: string }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="loading" aria-busy="true">{t('common.loading')}</p> : null;
}

export function CategoryBadge({ category }: { category: string | null | undefined }) {
  if (!category) return <span class="badge cat-none">{t('common.pending')}</span>;
  return <span class={`badge cat-${category}`} data-category={category}>{label('category', category)}</span>;
}

export function Country({ code }: { code: string | null | undefined }) {
  if (!code) return <span class="muted">—</span>;
  return (
    <span class="country" title={code}>
      <abbr title={countryName(code)}>{code}</abbr> <span class="country-name">{countryName(code)}</span>
    </span>
  );
}

export function Network({ asn, org }: { asn: number | string | null | undefined; org?: string | null }) {
  if (!asn) return <span class="muted">—</span>;
  return (
    <span class="network">
      AS{asn}
      {org && <span class="as-org"> {org}</span>}
    </span>
  );
}

export function Time({ iso }: { iso: string | null | undefined }) {
  return iso ? <time dateTime={iso}>{fmtDateTime(iso)}</time> : <span class="muted">—</span>;
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={id ? `${id}-h` : undefined} id={id}>
      <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

export function Flags({ group, flags }: { group: string; flags: string[] }) {
  if (!flags.length) return null;
  return (
    <span class="flags">
      {flags.map((f) => <span class={`flag flag-${f}`}>{label(group, f)}</span>)}
    </span>
  );
}

// The inbox filtered by one value, as a link.
export function inboxHref(filter: Record<string, string | number>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) p.set(k, String(v));
  return `/inbox?${p}`;
}
