'use strict';
/*
 * dashboard.test.js - the live dashboard in headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core). Run by
 * tests/e2e/cases/dashboard_browser.py, which starts tlsready and passes:
 *
 *   DASH_URL     http://127.0.0.1:PORT/
 *   IMAP_PORT    the IMAP STARTTLS listener
 *   ARTIFACTS    directory for the screenshot
 *   PROFILE_DIR  a fresh --user-data-dir
 *
 * Checks: the page loads with no console errors or CSP violations; a real
 * client's attempt (openssl s_client -starttls imap) appears within a
 * second; a client whose SNI and IMAP ID carry <script>alert(1)</script>
 * and quotes is shown as text and runs nothing (no dialog; no injected
 * element); the detail view shows the decoded hello. Prints "N passed,
 * M failed" and exits non-zero on failure.
 */
const { chromium } = require('playwright-core');
const { spawn } = require('child_process');
const net = require('net');
const path = require('path');

const HOSTILE = '<script>alert(1)</script>"\'';
let passed = 0;
let failed = 0;

function check(cond, what, detail) {
  if (cond) {
    passed++;
    console.log('ok    ' + what);
  } else {
    failed++;
    console.log('FAIL  ' + what + (detail ? '\n      -> ' + detail : ''));
  }
}

function opensslStarttls(port, servername) {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-connect', '127.0.0.1:' + port,
      '-starttls', 'imap', '-servername', servername],
    { stdio: ['pipe', 'ignore', 'ignore'] });
    p.stdin.end();
    const t = setTimeout(() => p.kill('SIGKILL'), 8000);
    p.on('exit', () => { clearTimeout(t); resolve(); });
  });
}

/* A hand-built ClientHello: s_client refuses such a -servername. */
function clientHello(sni) {
  const u16 = (n) => Buffer.from([n >> 8, n & 255]);
  const ext = (type, data) => Buffer.concat([u16(type), u16(data.length),
    data]);
  const name = Buffer.from(sni, 'utf8');
  const entry = Buffer.concat([Buffer.from([0]), u16(name.length), name]);
  const exts = Buffer.concat([
    ext(0, Buffer.concat([u16(entry.length), entry])),
    ext(0x000a, Buffer.from([0, 2, 0, 0x1d])),
    ext(0x000d, Buffer.from([0, 2, 4, 1])),
    ext(0x002b, Buffer.from([4, 3, 4, 3, 3])),
  ]);
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, 7),
    Buffer.from([0]), u16(4), u16(0x1301), u16(0xc02f), Buffer.from([1, 0]),
    u16(exts.length), exts]);
  const msg = Buffer.concat([Buffer.from([1, 0, body.length >> 8,
    body.length & 255]), body]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(msg.length), msg]);
}

function hostileClient(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    let step = 0;
    const q = (t) => '"' + t.replace(/\\/g, '\\\\').replace(/"/g, '\\"') +
      '"';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (step === 0 && buf.includes('\r\n')) {
        step = 1; buf = '';
        s.write('a1 ID ("name" ' + q(HOSTILE) + ' "version" ' + q(HOSTILE) +
          ')\r\n');
      } else if (step === 1 && buf.includes('a1 ')) {
        step = 2; buf = '';
        s.write('a2 STARTTLS\r\n');
      } else if (step === 2 && buf.includes('a2 ')) {
        step = 3;
        s.write(clientHello(HOSTILE));
      }
    });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    setTimeout(() => { s.destroy(); resolve(); }, 6000);
  });
}

async function main() {
  const url = process.env.DASH_URL;
  const imapPort = Number(process.env.IMAP_PORT);
  const artifacts = process.env.ARTIFACTS;
  /* A fresh profile: playwright passes it as --user-data-dir. */
  const browser = await chromium.launchPersistentContext(
    process.env.PROFILE_DIR, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
        '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  const page = browser.pages()[0] || await browser.newPage();
  const dialogs = [];
  const problems = [];
  const offsite = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on('console', (m) => {
    if (m.type() === 'error') { problems.push(m.text()); }
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) { offsite.push(r.url()); }
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() =>
    document.getElementById('conn').textContent === 'live', null,
  { timeout: 5000 }).catch(() => {});
  check(await page.textContent('#conn') === 'live',
    'event stream connected (live)', await page.textContent('#conn'));

  /* 1. a real client appears within a second */
  const before = await page.$$eval('#rows tr', (r) => r.length);
  const t0 = Date.now();
  await opensslStarttls(imapPort, 'mail.example.test');
  const tClient = Date.now();
  let seen = false;
  try {
    await page.waitForFunction((n) =>
      document.querySelectorAll('#rows tr').length > n, before,
    { timeout: 1000 });
    seen = true;
  } catch (e) { /* reported below */ }
  check(seen, 'openssl s_client -starttls imap attempt shows within 1 s ' +
    '(client took ' + (tClient - t0) + ' ms, shown after ' +
    (Date.now() - tClient) + ' ms)');
  if (seen) {
    const row = await page.textContent('#rows tr:first-child');
    check(row.includes('imap') && row.includes('mail.example.test'),
      'row shows listener and SNI', row);
  }

  /* 2. hostile text stays text */
  await hostileClient(imapPort);
  let hostileRow = null;
  try {
    await page.waitForFunction((h) => Array.from(
      document.querySelectorAll('#rows td.sni')).some(
      (td) => td.textContent === h), HOSTILE, { timeout: 3000 });
    hostileRow = true;
  } catch (e) { hostileRow = false; }
  check(hostileRow, 'hostile SNI shown literally as text in the table');
  const whoText = await page.$$eval('#rows td.who',
    (tds) => tds.map((t) => t.textContent));
  check(whoText.some((t) => t.includes(HOSTILE)),
    'hostile IMAP ID shown literally as text', JSON.stringify(whoText));
  const injected = await page.evaluate(() =>
    document.querySelectorAll('#rows script, #detail script').length +
    document.scripts.length - 1);
  check(injected === 0, 'no script element was injected', String(injected));
  await page.click('#rows td.sni >> nth=0');
  await page.waitForSelector('#detail:not([hidden])', { timeout: 2000 });
  const detail = await page.textContent('#detail');
  check(detail.includes('ClientHello') && detail.includes(HOSTILE) &&
    detail.includes('TLS_AES_128_GCM_SHA256'),
  'detail view shows the decoded hello with the SNI as text');
  await page.waitForTimeout(300);
  check(dialogs.length === 0, 'no dialog fired', JSON.stringify(dialogs));
  check(problems.length === 0, 'no console errors / CSP violations',
    JSON.stringify(problems));
  check(offsite.length === 0, 'no request left the dashboard origin',
    JSON.stringify(offsite));
  const shot = path.join(artifacts, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log('# screenshot: ' + shot);
  await browser.close();
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log('FAIL  ' + (e && e.stack ? e.stack : e));
  console.log(passed + ' passed, ' + (failed + 1) + ' failed');
  process.exit(1);
});
