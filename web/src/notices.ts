// How many notifications the organisation has not read: the node keeps each notification's read
// state (`unread` of GET /api/v1/notifications). Part of the shell, so it carries no catalogue or
// page code.
import { get } from './api';

const listeners = new Set<() => void>();

// Called when notifications were marked read, so that the header counts again.
export function noticesChanged() {
  listeners.forEach((l) => l());
}

export function onNoticesChanged(f: () => void): () => void {
  listeners.add(f);
  return () => void listeners.delete(f);
}

export async function unreadCount(): Promise<number> {
  const page = await get<{ unread?: number }>('/api/v1/notifications', { status: 'new', limit: 1 });
  return page.unread ?? 0;
}
