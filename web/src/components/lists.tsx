// The scaffolding of the cooperation pages' lists: cursor pages, the filter form, and the state of
// a loaded list (error, loading, empty). Kept out of common.tsx, which the inbox's first load carries.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading, type Async } from './common';
import { t } from '../i18n';

export interface CursorPages {
  cursor: string;     // the page shown ('' for the first)
  number: number;     // its number, from 1
  back: string[];     // the cursors of the pages before it
  prev: () => void;
  next: (cursor: string) => void;
}

// Cursor pagination: the page shown and the ones before it. Another `key` (a filter changed)
// starts again from the first page.
export function useCursorPages(key: unknown): CursorPages {
  const [back, setBack] = useState<string[]>([]);
  const [cursor, setCursor] = useState('');
  useEffect(() => {
    setBack([]);
    setCursor('');
  }, [key]);
  return {
    cursor,
    number: back.length + 1,
    back,
    prev: () => {
      setCursor(back[back.length - 1]);
      setBack(back.slice(0, -1));
    },
    next: (c: string) => {
      setBack([...back, cursor]);
      setCursor(c);
    },
  };
}

// Previous, the page's number and next; `next` is the answer's next_cursor. `testid` names the
// three parts (`-prev`, `-page`, `-next`).
export function Pager({ pages, next, label, testid }: {
  pages: CursorPages; next: string | null | undefined; label?: string; testid?: string;
}) {
  return (
    <nav class="pager" aria-label={label ?? t('inbox.pages')}>
      <button type="button" class="secondary" disabled={!pages.back.length} data-testid={testid && `${testid}-prev`} onClick={pages.prev}>
        {t('inbox.prev')}
      </button>
      <span data-testid={testid && `${testid}-page`}>{t('inbox.page', { n: pages.number })}</span>
      <button type="button" class="secondary" disabled={!next} data-testid={testid && `${testid}-next`} onClick={() => pages.next(next!)}>
        {t('inbox.next')}
      </button>
    </nav>
  );
}

// A loaded list: its error, "loading" until the first answer, then `empty` when it has no items
// (`count`), else `children`.
// `error`, when given, is shown instead of the list's.
export function ListState({ list, count, empty, emptyTestid, error, children }: {
  list: Async<unknown>; count: number; empty: string; emptyTestid?: string; error?: string; children: ComponentChildren;
}) {
  return (
    <>
      <ErrorBox error={error ?? list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data !== undefined && (count === 0 ? <p class="empty" data-testid={emptyTestid}>{empty}</p> : children)}
    </>
  );
}

// A list's filters: a search form with Apply and, given `clear`, a link that clears them.
export function Filters({ label, onSubmit, clear, submit, testid, children }: {
  label: string; onSubmit: (e: Event) => void; clear?: string; submit?: string; testid?: string; children: ComponentChildren;
}) {
  return (
    <form class="filters" role="search" aria-label={label} onSubmit={onSubmit} data-testid={testid}>
      {children}
      <div class="actions">
        <button type="submit">{submit ?? t('inbox.apply')}</button>
        {clear && <a class="button secondary" href={clear}>{t('inbox.clear')}</a>}
      </div>
    </form>
  );
}
