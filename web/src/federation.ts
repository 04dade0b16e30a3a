// Shapes of the federation API (/api/v1/federation: docs/federation.md): the node's status among
// the network's nodes and the messages between organisations. Loaded only by its pages. Times are
// milliseconds since the epoch, except the roster's `issued_at` (seconds).

export interface PeerStatus {
  name: string;
  on_roster: boolean;
  endpoint?: string;
  orgs?: string[];
  queued: number;
  oldest_queued_at?: number;
  delivered: number;
  refused: number;
  received: number;
  failures: number;
  last_attempt_at?: number;
  last_success_at?: number;
  last_error?: string;
  last_error_at?: number;
  // The oldest message waiting for the peer, with why its last attempt failed.
  next?: { id: string; type: string; attempts: number; last_error?: string };
}

export interface Refusal {
  at: number;
  peer: string;
  id: string;
  type?: string;
  reason: string;
}

export interface FederationStatus {
  node: string;  // "" until a roster names the node
  sign_key: string;
  tls_key: string;
  secretariat: boolean;
  roster?: { network: string; serial: number; issued_at: number };
  peers: PeerStatus[];
  refused: Refusal[];           // refused by this node
  refused_by_peers: Refusal[];  // this node's messages refused by a peer
}

export const DELIVERIES = ['queued', 'delivered', 'rejected', 'local', 'received'] as const;

export interface OrgMessage {
  id: string;
  conversation: string;
  direction: 'in' | 'out';
  org: string;
  from?: string;
  to?: string;
  subject: string;
  text: string;
  actor: string;
  sent_at: number;
  node: string | null;  // the other side's node; null for this one
  delivery: string;
  delivery_error?: string;
}

export interface MessagePage {
  items: OrgMessage[];
  next_cursor?: string;
}

export interface Sent {
  id: string;
  conversation: string;
  to_node: string | null;
  seq: number;
  delivery: string;
}

// The organisation at the other end of a message.
export function counterpart(m: OrgMessage): string {
  return (m.direction === 'out' ? m.to : m.from) ?? '';
}

// A time in milliseconds as the ISO text the formatting helpers take.
export function msIso(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  return new Date(ms).toISOString();
}
