// How many notifications the signed-in user has not seen: those newer than the newest one the
// notifications page last showed (kept in localStorage per organisation and user; the node keeps
// no read state). Part of the shell, so it carries no catalogue or page code.
import { get, type Session } from './api';

const listeners = new Set<() => void>();

function storageKey(s: Session): string {
  return `lapis.notifications.seen.${s.organisation}/${s.user ?? s.actor}`;
}

export function lastSeen(s: Session): number {
  return Number(localStorage.getItem(storageKey(s)) ?? 0) || 0;
}

// Called by the notifications page with the newest id it shows.
export function markSeen(s: Session, newest: number) {
  if (newest > lastSeen(s)) localStorage.setItem(storageKey(s), String(newest));
  listeners.forEach((l) => l());
}

export function onSeen(f: () => void): () => void {
  listeners.add(f);
  return () => void listeners.delete(f);
}

export const NOTICE_PAGE = 100;

// Unseen notifications among the newest NOTICE_PAGE.
export async function unseenCount(s: Session): Promise<number> {
  const page = await get<{ items: { id: number }[] }>('/api/v1/notifications', { limit: NOTICE_PAGE });
  const seen = lastSeen(s);
  return page.items.filter((n) => n.id > seen).length;
}
