// Shapes and vocabularies of the cooperation workflows (referrals, requests, membership
// applications, notifications), loaded only by the pages that use them. The steps the caller's
// side may take come from the node with each referral and request (`next_steps`); only the order
// of the states, for drawing a timeline, is kept here.
import type { CoopObject, ObjectReport } from './coop';

export type Side = 'sender' | 'recipient';
export type FlowType = 'referral' | 'request';

// A step the caller's side may take next, and what it must give with it.
export interface NextStep {
  to: string;
  needs?: 'reason' | 'answer' | 'outcome';
}

// Every state in the order a timeline shows them.
export const REFERRAL_STATES = ['sent', 'received', 'accepted', 'declined', 'closed', 'withdrawn'] as const;
export const REQUEST_STATES = ['draft', 'sent', 'acknowledged', 'in-progress', 'answered', 'declined', 'closed', 'withdrawn'] as const;
// States in which the object waits for nobody.
export function finished(type: FlowType, status: string): boolean {
  return status === 'closed' || status === 'withdrawn' || (type === 'referral' && status === 'declined');
}

export const ASSISTANCE_ACTIONS = ['identify-sender', 'preserve-data', 'provide-information', 'investigate', 'take-action'] as const;
export const COMPANY_REQUEST_KINDS = ['ip-subscriber', 'domain-registrant', 'account-holder', 'payment-account', 'other'] as const;
export const PRIORITIES = ['low', 'medium', 'high'] as const;
// What a company request names, by kind (the members of `subject` besides its kind).
// (GET /api/v1/requests/template fills its description with them.)
export const SUBJECT_FIELDS: Record<string, string[]> = {
  'ip-subscriber': ['ip', 'at'],
  'domain-registrant': ['domain'],
  'account-holder': ['account'],
  'payment-account': ['account', 'dates'],
  other: [],
};

export interface Outcome {
  kind: string;
  detail?: string;
  at?: string;
}

export interface FlowData {
  to: string;
  timeline?: Record<string, string>;
  outcome?: Outcome;
  decline_reason?: string;
  withdraw_reason?: string;
  agreement?: { id: number; title: string };
  counts?: { reports: number };
  next_steps?: NextStep[];
  // Sent from another node: the sender's node and its id there (its evidence stays there).
  federation?: { node: string; id: number };
}

export interface Referral extends CoopObject, FlowData {
  summary?: string;
  country?: string;
  personal_data?: boolean;
}

export interface RequestAttachment {
  n: number;
  name: string;
  sha256: string;
  size: number;
  content_type: string;
  by: string;
  at: string;
}

export interface AssistanceRequest extends CoopObject, FlowData {
  kind: 'assistance' | 'company';
  description?: string;
  legal_basis?: string;
  actions?: string[];
  subject?: Record<string, string>;
  procedure?: string;
  case?: { id: number; title: string; harm_score: number };
  priority?: string;
  attachments?: RequestAttachment[];
  answer?: { text: string; at: string; by: string };
}

export type ReferredReport = ObjectReport;

// Why the evidence points to a country: the messages were sent from there (with how many of a
// campaign's reports), or an advertised site is under its country-code domain.
export interface ProposedCountry {
  country: string;
  basis: 'origin' | 'domain';
  reports?: number;
  domain?: string;
  why: string;  // the same in English
}

export interface Proposal {
  countries: ProposedCountry[];
  candidates: {
    organisation: string;
    display_name: string;
    country: string;
    competences: string[];
    primary_contact: boolean;
    agreements: { id: number; title: string; personal_data: boolean }[];
    reasons: string[];
  }[];
}

export interface RequestTemplate {
  kind: 'company';
  to: string;
  subject_kind: string;
  subject?: Record<string, string>;
  description: string;
  what_they_give: string;
  conditions: string;
  how_to_send: string;
  send_to: string;
  domestic: boolean;
}

export interface Application extends CoopObject {
  kind: string;
  country: string;
  statement?: string;
  display_name?: string;
  sector?: string;
  competences?: string[];
  objections?: { organisation: string; reason: string; at: string }[];
  objection_count?: number;  // what the applicant sees of its own application instead
  decided_at?: string;
}

// One notification, owned by the organisation told (status new or read). `event` says what
// happened (referral.sent, request.answered, outcome, application.opened, membership.withdrawn,
// ...), `state` the state of what it is about (the outcome's kind for an outcome), `from` the
// organisation that acted ("" when the node did); `title` is the same in an English sentence.
export interface Notification extends CoopObject {
  event: string;
  from: string;
  about_type: string;
  about_id: number;
  state: string;
  detail?: string;
}

export interface NotificationPage {
  items: Notification[];
  next_cursor?: string | null;
  unread: number;
}

export interface ReportOutcome {
  type: string;
  id: number;
  organisation: string;
  kind: string;
  detail: string;
  at: string | null;
}

// Where a notification or an outcome leads.
export function aboutHref(type: string, id: number, detail?: string): string | null {
  switch (type) {
    case 'referral': return `/referrals/${id}`;
    case 'request': return `/requests/${id}`;
    case 'case': return `/cases/${id}`;
    case 'application': return '/membership';
    case 'organisation': return detail ? `/directory/${encodeURIComponent(detail)}` : null;
    default: return null;
  }
}
