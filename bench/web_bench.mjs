#!/usr/bin/env node
// Time to an interactive page of the web application, measured in headless Chromium with the
// Performance API, on an existing node's store: starts `lapis serve` on it (127.0.0.1, a free
// port, no analysis threads), signs in, and loads the inbox, a report page and the dashboard
// several times each. A page is interactive when it shows its data and answers input: the
// application marks that moment ("lapis:ready:PAGE", web/src/ready.ts); the figure is the time
// from the start of the navigation to that mark. The slowest API request of each load (Resource
// Timing) shows whether a server query is the slow part.
//
//   node bench/web_bench.mjs --data DIR --user NAME --password-file FILE [--database URL]
//        [--lapis build/apps/lapis/lapis] [--web web/dist] [--runs 5] [--report ID] [--search WORD]
// Create the user first: lapis user create --data DIR --org ORG --name NAME --role analyst
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchBrowser, startNode } from '../web/test/node.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    data: { type: 'string' },
    database: { type: 'string' },
    lapis: { type: 'string', default: join(repo, 'build/apps/lapis/lapis') },
    web: { type: 'string', default: join(repo, 'web/dist') },
    user: { type: 'string' },
    'password-file': { type: 'string' },
    runs: { type: 'string', default: '5' },
    report: { type: 'string' },
    search: { type: 'string', default: 'money' },
  },
});
if (!opt.data || !opt.user || !opt['password-file']) {
  console.error('usage: web_bench.mjs --data DIR --user NAME --password-file FILE [--database URL] [--runs N]');
  process.exit(2);
}
const password = readFileSync(opt['password-file'], 'utf8').split('\n')[0];
const runs = Math.max(1, Number(opt.runs));

const args = ['--data', opt.data, '--web', opt.web, '--jobs', '0'];
if (opt.database) args.push('--database', opt.database);
const node = await startNode(opt.lapis, args, { timeoutMs: 300000 });
const browser = await launchBrowser();
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};
const ms = (x) => `${Math.round(x)} ms`.padStart(8);

try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const signIn = await page.request.post(node.base + '/api/v1/session', {
    data: { user: opt.user, password }, headers: { 'X-Lapis-Request': '1' },
  });
  if (signIn.status() !== 201) throw new Error(`sign-in failed: ${signIn.status()} ${await signIn.text()}`);
  const me = await signIn.json();
  console.log(`node ${node.base}, organisation ${me.organisation}, user ${me.user} (${me.role}); ${runs} loads per page`);

  let reportId = opt.report;
  if (!reportId) {
    const list = await (await page.request.get(node.base + '/api/v1/reports?limit=1')).json();
    reportId = list.items[0]?.id;
    if (!reportId) throw new Error('the organisation has no reports');
  }
  const pages = [
    { name: 'inbox', label: 'inbox', path: '/inbox' },
    { name: 'inbox', label: 'inbox q=' + opt.search, path: '/inbox?q=' + encodeURIComponent(opt.search) },
    { name: 'report', label: 'report', path: `/reports/${reportId}` },
    { name: 'dashboard', label: 'dashboard', path: '/dashboard' },
    { name: 'dashboard', label: 'dashboard, all', path: '/dashboard?days=0' },
  ];
  const results = [];
  for (const p of pages) {
    const times = [];
    const apis = [];
    for (let i = 0; i <= runs; i++) {
      // Load 0 starts from an empty browser cache (first visit); the others reuse cached assets.
      if (i === 0) await context.clearCookies().then(() => page.request.post(node.base + '/api/v1/session', {
        data: { user: opt.user, password }, headers: { 'X-Lapis-Request': '1' },
      }));
      const cdp = i === 0 ? await context.newCDPSession(page) : null;
      if (cdp) {
        await cdp.send('Network.clearBrowserCache');
        await cdp.detach();
      }
      await page.goto(node.base + p.path, { waitUntil: 'commit' });
      await page.waitForFunction((n) => performance.getEntriesByName(`lapis:ready:${n}`).length > 0, p.name,
        { timeout: 120000, polling: 20 });
      const m = await page.evaluate((n) => {
        const nav = performance.getEntriesByType('navigation')[0];
        const ready = performance.getEntriesByName(`lapis:ready:${n}`)[0];
        const api = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/') && r.startTime < ready.startTime)
          .map((r) => ({ url: new URL(r.name).pathname + new URL(r.name).search, ms: r.duration }))
          .sort((a, b) => b.ms - a.ms);
        return { ready: ready.startTime - (nav?.startTime ?? 0), dcl: nav?.domContentLoadedEventEnd ?? 0, api };
      }, p.name);
      if (i === 0) results.push({ page: p.label, cold: m.ready, coldApi: m.api });
      else {
        times.push(m.ready);
        apis.push(m.api);
      }
    }
    const r = results[results.length - 1];
    r.warm = stats(times);
    // The API requests of the median load, slowest first.
    const medianIndex = times.indexOf(r.warm.median);
    r.api = apis[medianIndex];
  }
  console.log('\npage              first load   interactive (median, min-max of the next loads)   slowest API request (median load)');
  for (const r of results) {
    const slow = r.api[0];
    console.log(`${r.page.padEnd(16)} ${ms(r.cold)}     ${ms(r.warm.median)} (${Math.round(r.warm.min)}-${Math.round(r.warm.max)} ms)` +
      `${' '.repeat(22)}${slow ? `${Math.round(slow.ms)} ms ${slow.url}` : '-'}`);
  }
  console.log('\nAPI requests before the page was interactive (median load):');
  for (const r of results) {
    console.log(`  ${r.page}:`);
    for (const a of r.api) console.log(`    ${ms(a.ms)}  ${a.url}`);
  }
  const worst = Math.max(...results.map((r) => r.warm.median));
  console.log(`\ntarget: every page interactive in under 1000 ms — ${worst < 1000 ? 'met' : 'missed'} (worst median ${Math.round(worst)} ms)`);
} finally {
  await browser.close();
  await node.stop();
}
