// The node's HTTP API (docs/api.md) as the application uses it: same origin, the session cookie,
// and the X-Lapis-Request header on every change (the server refuses cookie changes without it).

export class ApiError extends Error {
  constructor(public status: number, public title: string, public detail: string) {
    super(detail || title);
  }
}

type Query = Record<string, string | number | undefined | null>;

export function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}

let onSignedOut: (() => void) | null = null;
export function setSignedOutHandler(f: () => void) {
  onSignedOut = f;
}

export async function request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Lapis-Request'] = '1';
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    if (contentType) {
      headers['Content-Type'] = contentType;
      payload = body as BodyInit;
    } else {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/v1/session' && onSignedOut) onSignedOut();
    throw new ApiError(res.status, data?.title ?? res.statusText, data?.detail ?? '');
  }
  return data as T;
}

export const get = <T>(path: string, q: Query = {}) => request<T>('GET', path + queryString(q));

// --- shapes of the answers ---------------------------------------------------------------------

export interface Session {
  user: string | null;
  organisation: string;
  role: string;
  actor: string;
  permissions: string[];
  organisation_kind: string;  // agency, partner
  membership: string;  // applicant, member, refused, withdrawn
}

export interface Origin {
  ip: string;
  country: string | null;
  asn: number | null;
  as_org: string | null;
  kind?: string;
}

export interface ReportSummary {
  id: string;
  kind: string;
  status: string;
  complaints: number;
  size: number;
  first_seen: string;
  last_seen: string;
  category: string | null;
  subject: string | null;
  campaign: number | null;
  error?: string | null;
  origin?: Origin | null;
}

export interface Report extends ReportSummary {
  analysis: Analysis | null;
  personal_data?: Record<string, unknown> | null;
  // Outcomes of the closed cases, referrals and requests that hold the report.
  outcomes?: { type: string; id: number; organisation: string; kind: string; detail: string; at: string | null }[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Mailbox {
  name: string | null;
  address: string | null;
}

export interface Hop {
  helo: string | null;
  rdns: string | null;
  ip: string | null;
  by: string | null;
  by_ip: string | null;
  protocol: string | null;
  id: string | null;
  for: string | null;
  time: string | null;
  flags: string[];
  trusted: boolean;
  raw: string;
}

export interface IpIndicator {
  ip: string;
  sources: string[];
  range: string | null;
  asn: number | null;
  as_org: string | null;
  country: string | null;
}

export interface Attachment {
  filename: string | null;
  declared_type: string | null;
  detected_type: string | null;
  size: number;
  sha256: string;
  flags: string[];
  archive_entries: string[];
}

export interface Analysis {
  kind: string;
  id: string;
  size: number;
  wrapper: Record<string, unknown> | null;
  sms?: { sender: string | null; sender_type: string; time: string | null };
  headers: {
    subject: string | null;
    from: Mailbox | null;
    to: Mailbox[];
    reply_to: Mailbox[];
    return_path: string | null;
    date: string | null;
    message_id: string | null;
    mailer: string | null;
    list_unsubscribe: string[];
  } | null;
  received: Hop[];
  origin: (Origin & {
    hop: number | null;
    kind: string;
    confidence: string;
    reason: string;
    rdns: string | null;
    helo: string | null;
    client_ip: string | null;
  }) | null;
  indicators: {
    ips: IpIndicator[];
    domains: { host: string; registrable: string | null; sources: string[] }[];
    urls: { url: string; host: string; registrable: string | null; source: string; display_text: string | null; flags: string[] }[];
    emails: { address: string; sources: string[] }[];
    phones: { number: string; country: string | null; raw: string; source: string }[];
    payments: { type: string; value: string }[];
    attachments: Attachment[];
  };
  authentication: {
    spf: string | null;
    dkim: string | null;
    dmarc: string | null;
    received_spf: string | null;
    results: { authserv_id: string; method: string; result: string; properties: Record<string, string> }[];
    dkim_signatures: { d: string | null; s: string | null }[];
    arc: boolean;
    alignment: {
      from_domain: string | null;
      return_path_domain: string | null;
      return_path_aligned: boolean;
      dkim_aligned: boolean;
    };
  };
  classification: { category: string; score: number; reasons: string[]; scores: Record<string, number> };
  language: string | null;
  defects: { code: string; detail: string | null }[];
}

export interface Facet {
  value: string;
  reports: number;
}

export interface Campaign {
  id: number;
  reports: number;
  first_seen: string;
  last_seen: string;
  categories?: Facet[];
  origin_countries?: Facet[];
  origin_asns?: Facet[];
  top_indicators?: { type: string; value: string; reports: number }[];
}

export interface StatRow {
  day?: string;
  value: string;
  reports: number;
}

export interface IndicatorLookup {
  type: string;
  value: string;
  reports: number;
  first_seen: string | null;
  last_seen: string | null;
  report_ids?: string[];
}

export interface User {
  name: string;
  role: string;
  disabled: boolean;
  created_at: string;
}

export interface Token {
  id: number;
  role: string;
  label: string;
  created_at: string;
}

export const ROLES = ['admin', 'coordinator', 'analyst', 'partner', 'reporter'] as const;
export const CATEGORIES = [
  'phishing', 'malware', 'advance-fee-fraud', 'extortion', 'other-scam', 'commercial-spam', 'not-spam', 'unknown',
] as const;
export const INDICATOR_TYPES = ['ip', 'domain', 'host', 'url', 'email', 'phone', 'payment', 'attachment'] as const;

// --- permissions (GET /api/v1/session) ---------------------------------------------------------

export const PERM = {
  cooperate: 'read the directory and shared cooperation objects',
  manageCases: 'make and change cases, agreements and groups',
  manageDirectory: "change the organisation's directory entry",
  readReports: 'read reports',
  readEvidence: 'download evidence',
  readPersonal: 'read personal data',
  operateNode: "see the node's federation status",
} as const;

export function can(session: Session, perm: string | undefined): boolean {
  return !perm || session.permissions.includes(perm);
}

// Only members of the network share: an organisation outside it (an applicant, one refused or
// withdrawn) makes objects for itself alone (the node refuses any other audience).
export function isMember(session: Session): boolean {
  return session.membership === 'member';
}

// Cases, agreements, referrals and requests are made by the network's member agencies only.
export function isMemberAgency(session: Session): boolean {
  return session.organisation_kind === 'agency' && session.membership === 'member';
}
