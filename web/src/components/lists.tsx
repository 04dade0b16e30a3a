// The scaffolding of the cooperation pages' lists: cursor pages, the filter form, and the state of
// a loaded list (error, loading, empty). Kept out of common.tsx, which the inbox's first load carries.
import { useEffect, useState } from 'preact/hooks';
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
