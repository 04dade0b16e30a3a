// Shapes and vocabularies of the cooperation API (directory, groups, agreements, cases), apart from
// api.ts so that only the pages that use them load them.

export const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export type Tlp = (typeof TLPS)[number];
export const AUDIENCE_KINDS = ['organisation', 'organisations', 'groups', 'agencies', 'network'] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];

export interface Audience {
  kind: AudienceKind;
  organisations: string[];
  groups: number[];
  exclude: string[];
}

// The members every cooperation object has.
export interface CoopObject {
  id: number;
  type: string;
  organisation: string;
  status: string;
  title: string;
  tlp: Tlp;
  audience: Audience;
  created_at: string | null;
  updated_at: string | null;
  version: number;
  parent?: number;
  due_at?: string | null;
  overdue?: boolean;
}

export const ORG_KINDS = ['agency', 'partner'] as const;
export const MEMBERSHIPS = ['applicant', 'member', 'refused', 'withdrawn'] as const;
export const COMPETENCES = ['telecommunications', 'consumer-protection', 'data-protection', 'criminal-enforcement'] as const;
export const SECTORS = [
  'financial-institutions', 'isps', 'telecoms', 'security-software', 'mobile-operators', 'couriers',
  'commercial-mail-receiving-agencies', 'industry-associations', 'consumer-organisations', 'payment-providers',
  'credit-reporting-agencies', 'registrars-and-registries', 'dispute-resolution-providers',
] as const;
export const CONTACT_ROLES = ['point-of-contact', 'primary-contact', 'spam-enforcement-contact', 'other'] as const;
export const B4_FIELDS = ['domestic', 'domestic_conditions', 'foreign', 'foreign_conditions', 'request_procedure', 'request_address'] as const;

export interface Contact extends CoopObject {
  name: string;
  role: string;
  email?: string;
  phone?: string;
  languages?: string[];
  encryption_key?: string;
  notes?: string;
}

export interface Resource extends CoopObject {
  sector: string;
  url?: string;
  description?: string;
}

export interface Profile {
  name: string;
  kind: string;
  country: string;
  membership: string;
  updated_at: string | null;
  display_name?: string;
  website?: string;
  sector?: string;
  competences?: string[];
  languages?: string[];
  b4?: Partial<Record<(typeof B4_FIELDS)[number], string>>;
  contacts?: Contact[];
  resources?: Resource[];
}

export interface Group extends CoopObject {
  name: string;
  description?: string;
  members?: string[];
}

export const INSTRUMENTS = ['mou', 'treaty', 'convention', 'contract', 'other'] as const;
export const SCOPES = ['information-sharing', 'mutual-assistance', 'joint-operations'] as const;
export const AGREEMENT_STATUSES = ['in-force', 'draft', 'expired', 'terminated'] as const;

export interface Agreement extends CoopObject {
  instrument: string;
  parties: string[];
  scope: string[];
  confidentiality?: string;
  personal_data?: boolean;
  signed_at?: string;
  effective_from?: string;
  expires_at?: string;
  url?: string;
  document?: { sha256: string; size: number; content_type: string; name?: string };
}

export const CASE_STATUSES = ['open', 'investigating', 'referred', 'closed'] as const;
export const OUTCOMES = ['warning', 'fine', 'undertaking', 'prosecution', 'no-action'] as const;

// What each factor was computed from, by factor name.
export interface HarmFigures {
  complaints?: number;
  recipients?: number;
  eur?: number;
  category?: string | null;
  vulnerable?: boolean;
  countries?: string[];
}

export interface HarmFactor {
  name: string;
  points: number;
  max: number;
  basis: string;  // the same in English words
  figures?: HarmFigures;
}

export interface CaseReport {
  id: string;
  organisation: string;
  added_at: string | null;
  added_by: string;
  subject?: string | null;
  category?: string | null;
  first_seen?: string | null;
  complaints?: number;
  origin_country?: string | null;
  status?: string;
}

export interface Task extends CoopObject {
  assignee?: string;
}

export interface Note extends CoopObject {
  text: string;
}

export interface Case extends CoopObject {
  harm_score: number;
  summary?: string;
  assignees?: string[];
  inputs?: { recipients?: number; money_lost?: number; vulnerable?: boolean; countries?: string[] };
  stats?: { reports?: number; complaints?: number; categories?: Record<string, number>; countries?: string[] };
  harm?: { score: number; factors: HarmFactor[] };
  outcome?: { kind: string; detail?: string; at?: string } | null;
  counts?: { reports: number; campaigns: number; indicators: number };
  // The detail only:
  campaigns?: string[];
  indicators?: string[];
  reports?: CaseReport[];
  reports_next_cursor?: string;
  tasks?: Task[];
  notes?: Note[];
  added_reports?: number;
}

export interface CaseEvent {
  at: string | null;
  organisation: string;
  actor: string;
  action: string;
  detail: string;
}

// What a case is made from or extended with.
export interface CaseSources {
  reports?: string[];
  campaigns?: number[];
  indicators?: { type: string; value: string }[];
}

// A report of a referral or a share, a page at a time (`…/reports?cursor=`); the complainants'
// personal data only when the answer says the caller is entitled to them.
export interface ObjectReport {
  id: string;
  organisation: string;
  subject: string | null;
  category: string | null;
  first_seen: string | null;
  complaints: number;
  origin_country: string | null;
  personal_data?: Record<string, unknown> | null;
}

export interface ObjectReportPage<T extends ObjectReport = ObjectReport> {
  items: T[];
  next_cursor?: string;
  personal_data_included: boolean;
}
