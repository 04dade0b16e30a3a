// Languages of the application. Every string the application shows is a key of `en` (or of a
// catalogue that pages loaded on first use add, such as `coop-en`); `fr` and `es` must have the
// same keys (the type checker enforces it). Dates, numbers and country names are formatted with
// Intl in the user's locale.
import { en, type Messages } from './messages/en';
import { fr } from './messages/fr';
import { es } from './messages/es';
import type { CoopMessages } from './messages/coop-en';
import type { FlowMessages } from './messages/flows-en';
import type { ShareMessages } from './messages/shares-en';
import type { MeetingMessages } from './messages/meetings-en';
import type { FederationMessages } from './messages/federation-en';

export type Key = keyof Messages | keyof CoopMessages | keyof FlowMessages | keyof ShareMessages | keyof MeetingMessages
  | keyof FederationMessages;
export const LANGUAGES = { en, fr, es } as const;
export type Lang = keyof typeof LANGUAGES;
export const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', fr: 'Français', es: 'Español' };

const STORAGE_KEY = 'lapis.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && saved in LANGUAGES) return saved as Lang;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.slice(0, 2).toLowerCase();
    if (base in LANGUAGES) return base as Lang;
  }
  return 'en';
}

let lang: Lang = initialLang();
let locale = localeFor(lang);
let messages: Messages = LANGUAGES[lang];
let numberFmt = new Intl.NumberFormat(locale);
let dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
let dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
let plural = new Intl.PluralRules(locale);
let regionNames: Intl.DisplayNames | null = null;
const listeners = new Set<() => void>();
// Catalogues added by code-split pages, per language.
const added: Record<Lang, Record<string, string>> = { en: {}, fr: {}, es: {} };

// Adds the strings of a code-split part of the application; called when its module loads.
export function addMessages(catalogues: Record<Lang, Record<string, string>>) {
  for (const l of Object.keys(added) as Lang[]) Object.assign(added[l], catalogues[l]);
}

function lookup(key: string): string | undefined {
  return (messages as Record<string, string>)[key] ?? added[lang][key] ?? (en as Record<string, string>)[key] ?? added.en[key];
}

// The browser's own locale when it is in the chosen language (fr-CA keeps Canadian formats),
// else the language alone.
function localeFor(l: Lang): string {
  for (const tag of navigator.languages ?? [navigator.language])
    if (tag.toLowerCase().startsWith(l)) return tag;
  return l;
}

export function getLang(): Lang {
  return lang;
}

export function getLocale(): string {
  return locale;
}

export function setLang(l: Lang) {
  lang = l;
  locale = localeFor(l);
  messages = LANGUAGES[l];
  numberFmt = new Intl.NumberFormat(locale);
  dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  plural = new Intl.PluralRules(locale);
  regionNames = null;
  localStorage.setItem(STORAGE_KEY, l);
  document.documentElement.lang = l;
  listeners.forEach((f) => f());
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => void listeners.delete(f);
}

// The message for `key` with {name} placeholders filled in.
export function t(key: Key, params: Record<string, string | number> = {}): string {
  let s: string = lookup(key) ?? key;
  for (const [k, v] of Object.entries(params))
    s = s.split(`{${k}}`).join(typeof v === 'number' ? numberFmt.format(v) : v);
  return s;
}

// A count with its noun: `key` names "{n} report" / "{n} reports" as KEY_one / KEY_other.
export function tn(key: string, n: number): string {
  const form = plural.select(n) === 'one' ? 'one' : 'other';
  return t(`${key}_${form}` as Key, { n });
}

// Whether the application has a message for `key` (for codes the node may add to).
export function known(key: string): boolean {
  return lookup(key) !== undefined;
}

// The label of a value from the analysis (a category, a flag...) when the application knows it,
// else the value itself.
export function label(group: string, value: string): string {
  const k = `${group}.${value}` as Key;
  return lookup(k) !== undefined ? t(k) : value;
}

export function fmtNumber(n: number): string {
  return numberFmt.format(n);
}

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
}

export function fmtDate(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return isNaN(d.getTime()) ? String(iso) : dateFmt.format(d);
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: i ? 1 : 0 }).format(v)} ${units[i]}`;
}

// The country's name in the user's language ("DE" -> "Allemagne").
export function countryName(code: string | null | undefined): string {
  if (!code) return t('common.unknown');
  try {
    regionNames ??= new Intl.DisplayNames([locale], { type: 'region' });
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

document.documentElement.lang = lang;
