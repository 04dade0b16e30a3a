// Marks the moment a page shows its data and answers input, for the browser's Performance API
// (bench/web_bench.mjs reads these marks): "lapis:ready:inbox", "lapis:ready:report", ...
export function markReady(page: string) {
  requestAnimationFrame(() => {
    performance.mark(`lapis:ready:${page}`, { detail: { path: location.pathname } });
    document.body.dataset.ready = page;
  });
}
