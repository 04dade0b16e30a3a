// Shapes and vocabularies of the cooperation workflows (referrals, requests, membership
// applications, notifications), loaded only by the pages that use them. The lifecycles are the
// node's (src/coop/workflow.cc): the pages offer only the steps the node would accept from the
// caller's side.
import type { CoopObject } from './coop';

export type Side = 'sender' | 'recipient';

export interface Step {
  from: string;
  to: string;
  who: Side;
  reason?: boolean;   // declined, withdrawn: a reason is required
  outcome?: boolean;  // closed: an outcome is required
  answer?: boolean;   // answered: the answer's text is required
}

const REFERRAL_STEPS: Step[] = [
  { from: 'sent', to: 'received', who: 'recipient' },
  { from: 'sent', to: 'declined', who: 'recipient', reason: true },
  { from: 'received', to: 'accepted', who: 'recipient' },
  { from: 'received', to: 'declined', who: 'recipient', reason: true },
  { from: 'accepted', to: 'closed', who: 'recipient', outcome: true },
  { from: 'sent', to: 'withdrawn', who: 'sender', reason: true },
  { from: 'received', to: 'withdrawn', who: 'sender', reason: true },
];

const REQUEST_STEPS: Step[] = [
  { from: 'draft', to: 'sent', who: 'sender' },
  { from: 'draft', to: 'withdrawn', who: 'sender', reason: true },
  { from: 'sent', to: 'acknowledged', who: 'recipient' },
  { from: 'sent', to: 'declined', who: 'recipient', reason: true },
  { from: 'acknowledged', to: 'in-progress', who: 'recipient' },
  { from: 'acknowledged', to: 'answered', who: 'recipient', answer: true },
  { from: 'acknowledged', to: 'declined', who: 'recipient', reason: true },
  { from: 'in-progress', to: 'answered', who: 'recipient', answer: true },
  { from: 'in-progress', to: 'declined', who: 'recipient', reason: true },
  { from: 'answered', to: 'closed', who: 'sender', outcome: true },
  { from: 'declined', to: 'closed', who: 'sender', outcome: true },
  { from: 'sent', to: 'withdrawn', who: 'sender', reason: true },
  { from: 'acknowledged', to: 'withdrawn', who: 'sender', reason: true },
  { from: 'in-progress', to: 'withdrawn', who: 'sender', reason: true },
];

export type FlowType = 'referral' | 'request';

// The steps `side` may take from `status`. A referral's receipt is left out: the node records
// it when the receiving agency first opens the referral.
export function stepsFor(type: FlowType, status: string, side: Side | null): Step[] {
  if (!side) return [];
  const steps = type === 'referral' ? REFERRAL_STEPS : REQUEST_STEPS;
  return steps.filter((s) => s.from === status && s.who === side && !(type === 'referral' && s.to === 'received'));
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
export const SUBJECT_FIELDS: Record<string, string[]> = {
  'ip-subscriber': ['ip', 'at'],
  'domain-registrant': ['domain'],
  'account-holder': ['account'],
  'payment-account': ['account'],
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

export interface ReferredReport {
  id: string;
  organisation: string;
  subject: string | null;
  category: string | null;
  first_seen: string | null;
  complaints: number;
  origin_country: string | null;
  personal_data?: Record<string, unknown> | null;
}

export interface Proposal {
  countries: { country: string; why: string }[];
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
  decided_at?: string;
}

export interface Notification extends CoopObject {
  to: string[] | string;
  about_type: string;
  about_id: number;
  detail?: string;
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
