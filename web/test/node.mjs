// Helpers shared by the browser tests and the web benchmark: run the `lapis` program, start
// `lapis serve` on 127.0.0.1 (a free port) and stop it, launch Debian's Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export function lapisRun(lapis, args, input) {
  const p = spawnSync(lapis, args, { input, encoding: 'utf8', timeout: 120000 });
  if (p.status !== 0) throw new Error(`lapis ${args.join(' ')} failed (${p.status}): ${p.stderr}`);
  return p.stdout;
}

// Creates a user with the given password (or a generated one) and returns the password.
export function createUser(lapis, dataArgs, org, name, role, password) {
  const out = lapisRun(lapis, ['user', 'create', ...dataArgs, '--org', org, '--name', name, '--role', role,
    ...(password ? ['--password-file', '-'] : [])], password ? password + '\n' : undefined);
  if (password) return password;
  const m = out.match(/^password (.+)$/m);
  if (!m) throw new Error('no password printed: ' + out);
  return m[1];
}

// Starts `lapis serve`; resolves to { base, proc, log, stop() } once it listens.
export function startNode(lapis, args, { timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(lapis, ['serve', ...args, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = [];
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      if (!done) {
        done = true;
        proc.kill('SIGTERM');
        reject(new Error('lapis serve did not start: ' + log.join('\n')));
      }
    }, timeoutMs);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        log.push(line);
        if (log.length > 5000) log.splice(0, 1000);
        const m = line.match(/listening on (http:\/\/\S+)/);
        if (m && !done) {
          done = true;
          clearTimeout(timer);
          resolve({
            base: m[1], proc, log,
            stop: () => new Promise((res) => {
              if (proc.exitCode !== null) return res(proc.exitCode);
              proc.once('exit', (code) => res(code));
              proc.kill('SIGTERM');
            }),
          });
        }
      }
    });
    proc.once('exit', (code) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`lapis serve exited (${code}): ${log.join('\n')}`));
      }
    });
  });
}

export const CHROMIUM = process.env.LAPIS_CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Running as root (CI) needs --no-sandbox for Chromium's own process sandbox; the page's
    // iframe sandbox, CSP and site isolation are unaffected.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--metrics-recording-only'],
  });
}
