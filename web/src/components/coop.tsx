// Pieces shared by the cooperation pages: TLP badges, the marking and audience editor, links to
// organisations, harm bars, and the directory and group lists the editors choose from.
import { get } from '../api';
import { AUDIENCE_KINDS, TLPS, type Audience, type AudienceKind, type Group, type Profile, type Tlp } from '../coop';
import '../messages/coop';
import { label, t, tn, type Key } from '../i18n';
import { useAsync } from './common';

// TLP 2.0 label, in FIRST's colours (styles.css: .tlp-*).
export function TlpBadge({ tlp }: { tlp: string }) {
  const cls = tlp.toLowerCase().replace('+', '-');
  return <span class={`tlp tlp-${cls}`} data-tlp={tlp} title={label('tlpHelp', tlp)}>TLP:{tlp}</span>;
}

export function OrgLink({ name }: { name: string }) {
  return <a href={`/directory/${encodeURIComponent(name)}`}>{name}</a>;
}

// Who an audience reaches, in words.
export function AudienceText({ audience, groups }: { audience: Audience; groups?: Group[] }) {
  const groupName = (id: number) => groups?.find((g) => g.id === id)?.name ?? `#${id}`;
  const parts: string[] = [];
  if (audience.kind === 'organisation') parts.push(t('audience.onlyOwner'));
  else if (audience.kind === 'agencies') parts.push(t('audience.kind.agencies'));
  else if (audience.kind === 'network') parts.push(t('audience.kind.network'));
  if (audience.organisations.length) parts.push(audience.organisations.join(', '));
  if (audience.groups.length) parts.push(audience.groups.map(groupName).join(', '));
  return (
    <span data-testid="audience-text">
      {parts.join(' · ')}
      {audience.exclude.length > 0 && <span class="muted"> ({t('audience.except', { list: audience.exclude.join(', ') })})</span>}
    </span>
  );
}

// A value in points out of a maximum, as a bar (the figures are written beside it).
export function Bar({ value, max, tone }: { value: number; max: number; tone?: string }) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return (
    <span class={`hbar ${tone ?? ''}`} aria-hidden="true">
      <span class="hbar-fill" style={{ width: `${pct}%` }} />
    </span>
  );
}

// Only http(s) addresses become links; anything else is shown as text.
export function SafeLink({ url }: { url: string | undefined }) {
  if (!url) return <span class="muted">—</span>;
  if (!/^https?:\/\//i.test(url)) return <span class="mono">{url}</span>;
  return <a href={url} rel="noopener noreferrer nofollow" target="_blank" class="url-cell">{url}</a>;
}

// The organisations of the directory (members), for choosing parties, members and audiences.
export function useDirectory() {
  return useAsync(() => get<{ items: Profile[] }>('/api/v1/organisations').then((r) => r.items), []);
}

export function useGroups() {
  return useAsync(() => get<{ items: Group[] }>('/api/v1/groups', { limit: 500, status: 'active' }).then((r) => r.items), []);
}

// Why the server would refuse this marking (coop::CheckMarking), or "".
export function markingProblem(tlp: Tlp, a: Audience): string {
  if (a.kind === 'organisations' && !a.organisations.length) return t('marking.needOrgs');
  if (a.kind === 'groups' && !a.groups.length) return t('marking.needGroups');
  if ((tlp === 'RED' || tlp === 'AMBER+STRICT') && a.kind !== 'organisation' && a.kind !== 'organisations')
    return t('marking.redNamed', { tlp });
  if (tlp === 'AMBER' && (a.kind === 'agencies' || a.kind === 'network')) return t('marking.amberNotAll');
  return '';
}

// The audience as the server wants it for its kind: names and groups only where they belong.
export function cleanAudience(a: Audience): Audience {
  return {
    kind: a.kind,
    organisations: a.kind === 'organisations' || a.kind === 'groups' ? a.organisations : [],
    groups: a.kind === 'groups' ? a.groups : [],
    exclude: a.exclude,
  };
}

export interface Marking {
  tlp: Tlp;
  audience: Audience;
}

function toggle<T>(list: T[], v: T, on: boolean): T[] {
  return on ? (list.includes(v) ? list : [...list, v]) : list.filter((x) => x !== v);
}

// TLP and audience: who may see an object. `own` is the caller's organisation (never listed).
export function MarkingEditor({ value, onChange, own, idPrefix }: {
  value: Marking; onChange: (m: Marking) => void; own: string; idPrefix: string;
}) {
  const dir = useDirectory();
  const groups = useGroups();
  const others = (dir.data ?? []).filter((p) => p.name !== own && p.membership === 'member').map((p) => p.name);
  const a = value.audience;
  const set = (patch: Partial<Audience>) => onChange({ ...value, audience: { ...a, ...patch } });
  const problem = markingProblem(value.tlp, a);
  return (
    <fieldset class="marking" data-testid={`${idPrefix}-marking`}>
      <legend>{t('marking.title')}</legend>
      <label>
        {t('marking.tlp')}
        <select value={value.tlp} data-testid={`${idPrefix}-tlp`}
          onChange={(e) => onChange({ ...value, tlp: (e.target as HTMLSelectElement).value as Tlp })}>
          {TLPS.map((x) => <option value={x}>TLP:{x} — {label('tlpHelp', x)}</option>)}
        </select>
      </label>
      <label>
        {t('marking.audience')}
        <select value={a.kind} data-testid={`${idPrefix}-audience`}
          onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value as AudienceKind })}>
          {AUDIENCE_KINDS.map((k) => <option value={k}>{t(`audience.kind.${k}` as Key)}</option>)}
        </select>
      </label>
      {(a.kind === 'organisations' || a.kind === 'groups') && (
        <fieldset class="choices">
          <legend>{t('marking.organisations')}</legend>
          {others.length === 0 && <span class="muted">{t('marking.noOthers')}</span>}
          {others.map((o) => (
            <label class="inline">
              <input type="checkbox" name={`${idPrefix}-org`} value={o} checked={a.organisations.includes(o)}
                onChange={(e) => set({ organisations: toggle(a.organisations, o, (e.target as HTMLInputElement).checked) })} />
              {o}
            </label>
          ))}
        </fieldset>
      )}
      {a.kind === 'groups' && (
        <fieldset class="choices">
          <legend>{t('marking.groups')}</legend>
          {(groups.data ?? []).length === 0 && <span class="muted">{t('groups.empty')}</span>}
          {(groups.data ?? []).map((g) => (
            <label class="inline">
              <input type="checkbox" name={`${idPrefix}-group`} value={g.id} checked={a.groups.includes(g.id)}
                onChange={(e) => set({ groups: toggle(a.groups, g.id, (e.target as HTMLInputElement).checked) })} />
              {g.name} <span class="muted small">({tn('count.organisations', g.members?.length ?? 0)})</span>
            </label>
          ))}
        </fieldset>
      )}
      {a.kind !== 'organisation' && (
        <fieldset class="choices">
          <legend>{t('marking.exclude')}</legend>
          {others.map((o) => (
            <label class="inline">
              <input type="checkbox" name={`${idPrefix}-exclude`} value={o} checked={a.exclude.includes(o)}
                onChange={(e) => set({ exclude: toggle(a.exclude, o, (e.target as HTMLInputElement).checked) })} />
              {o}
            </label>
          ))}
        </fieldset>
      )}
      {problem && <p class="warn-text small" role="status">{problem}</p>}
    </fieldset>
  );
}

export const DEFAULT_AUDIENCE: Audience = { kind: 'organisation', organisations: [], groups: [], exclude: [] };
