// Shapes of the meetings API (/api/v1/meetings): the network's calls, workshops and operations
// with an agenda whose segments may leave out named organisations. Loaded only by its pages.
import type { CoopObject } from './coop';

export const MEETING_KINDS = ['quarterly-call', 'workshop', 'operation', 'other'] as const;
export const MEETING_STATUSES = ['scheduled', 'held', 'cancelled'] as const;

// A segment as the caller sees it: whole, or only its number when it leaves the caller's
// organisation out. `exclude` is given to the meeting's organisation only.
export interface Segment {
  n: number;
  title?: string;
  notes?: string;
  exclude?: string[];
  restricted?: boolean;
}

export interface Meeting extends CoopObject {
  kind: string;
  starts_at: string;
  ends_at?: string;
  connection?: string;
  agenda?: Segment[];
}

// A segment as the forms edit it and the API takes it.
export interface SegmentDraft {
  title: string;
  notes: string;
  exclude: string[];
}

// The value of a datetime-local input (the user's time zone) as RFC 3339 UTC, or '' when empty.
export function localToUtc(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Whether a meeting is still to come: scheduled and not yet over.
export function isUpcoming(m: Meeting, now = Date.now()): boolean {
  const end = Date.parse(m.ends_at ?? m.starts_at);
  return m.status === 'scheduled' && !(end < now);
}
