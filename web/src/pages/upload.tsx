// Bulk upload: .eml files and mbox files from the browser, each message submitted to
// POST /api/v1/reports (a few at a time, retried when the node asks to wait), with a progress bar.
import { useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { fmtNumber, t, tn } from '../i18n';
import { splitMessages } from '../mbox';

const PARALLEL = 4;
const MAX_RETRIES = 5;
const MAX_MESSAGE = 32 * 1024 * 1024;

interface Progress {
  total: number;
  done: number;
  created: number;
  duplicates: number;
  failed: { name: string; error: string }[];
  running: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function submit(bytes: Uint8Array): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await request<{ id: string; new_report: boolean }>('POST', '/api/v1/reports', bytes, 'message/rfc822');
      return r.new_report;
    } catch (e) {
      if (e instanceof ApiError && e.status === 503 && attempt < MAX_RETRIES) {
        await sleep(1000 * (attempt + 1));
        continue;
      }
      throw e;
    }
  }
}

export function Upload() {
  const [files, setFiles] = useState<File[]>([]);
  const [p, setP] = useState<Progress | null>(null);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const start = async () => {
    const jobs: { name: string; bytes: Uint8Array }[] = [];
    for (const f of files) {
      const msgs = splitMessages(new Uint8Array(await f.arrayBuffer()));
      msgs.forEach((m, i) => jobs.push({ name: msgs.length > 1 ? `${f.name} #${i + 1}` : f.name, bytes: m }));
    }
    const state: Progress = { total: jobs.length, done: 0, created: 0, duplicates: 0, failed: [], running: true };
    setP({ ...state });
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        try {
          if (job.bytes.length > MAX_MESSAGE) throw new Error(t('upload.tooLarge'));
          if (await submit(job.bytes)) state.created++;
          else state.duplicates++;
        } catch (e) {
          state.failed.push({ name: job.name, error: e instanceof Error ? e.message : String(e) });
        }
        state.done++;
        setP({ ...state, failed: [...state.failed] });
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    state.running = false;
    setP({ ...state, failed: [...state.failed] });
    setFiles([]);
    if (input.current) input.current.value = '';
  };

  const pick = (list: FileList | null) => setFiles(list ? Array.from(list) : []);
  const size = files.reduce((n, f) => n + f.size, 0);
  return (
    <section>
      <h1>{t('upload.title')}</h1>
      <p class="muted">{t('upload.intro')}</p>
      <div class={`dropzone ${dragging ? 'dragging' : ''}`}
        onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => { e.preventDefault(); setDragging(false); pick(e.dataTransfer?.files ?? null); }}>
        <label>
          {t('upload.choose')}
          <input ref={input} type="file" multiple accept=".eml,.mbox,.mbx,.msg,.txt,message/rfc822,application/mbox"
            onChange={(e) => pick((e.target as HTMLInputElement).files)} data-testid="upload-input" />
        </label>
        <p class="muted small">{t('upload.drop')}</p>
      </div>
      {files.length > 0 && (
        <p>{tn('count.files', files.length)} · {fmtNumber(Math.round(size / 1024))} KB{' '}
          <button type="button" onClick={start} disabled={p?.running} data-testid="upload-start">{t('upload.start')}</button>
        </p>
      )}
      {p && (
        <div class="upload-progress" data-testid="upload-progress">
          <label>
            {t('upload.progress', { done: p.done, total: p.total })}
            <progress max={p.total || 1} value={p.done} />
          </label>
          <p aria-live="polite" data-testid="upload-summary" data-done={String(!p.running)}>
            {t('upload.summary', { created: p.created, duplicates: p.duplicates, failed: p.failed.length })}
          </p>
          {!p.running && <p><a href="/inbox">{t('upload.toInbox')}</a></p>}
          {p.failed.length > 0 && (
            <ul class="error small">{p.failed.slice(0, 50).map((f) => <li>{f.name}: {f.error}</li>)}</ul>
          )}
        </div>
      )}
    </section>
  );
}
