// summary: drives Debian's Chromium through every page of vigil serve: content checks,
// screenshots, no script runs from hostile strings, the double-lock clicks
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(process.env.WEB_NPM_CACHE + '/node_modules/');
const { chromium } = require('playwright-core');
const [base, dev, breach, incident, lock1, lock2, out] = process.argv.slice(2);
let pass = 0, fail = 0;
const check = (what, cond) => { if (cond) { pass++; console.log('ok   ' + what); } else { fail++; console.log('FAIL ' + what); } };

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vigil-chromium-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  viewport: { width: 1280, height: 900 },
});
const page = await browser.newPage();
let dialogs = 0, cspViolations = 0;
page.on('dialog', async d => { dialogs++; await d.dismiss(); });
page.on('console', m => { if (/Content Security Policy/.test(m.text())) cspViolations++; });

const pages = [
  ['overview', '/', 'Devices ranked by threat', 'svg.chart'],
  ['device', '/devices/' + dev, 'Device ' + dev, 'svg.chart circle.mark'],
  ['breach', '/breaches/' + breach, 'The baseline it was judged against', 'table.metrics'],
  ['endpoint', '/endpoints/188.127.254.114', 'Endpoint 188.127.254.114', 'table'],
  ['incidents', '/incidents', 'Incidents', 'table'],
  ['incident', '/incidents/' + incident, 'Attack timeline', 'ol.timeline li.event'],
  ['email', '/email', 'Email log', 'main'],
  ['lock', lock1, 'Locked link', 'a#go'],
];
for (const [name, path, text, sel] of pages) {
  const resp = await page.goto(base + path);
  check(`${name}: HTTP 200`, resp.status() === 200);
  check(`${name}: shows "${text}"`, (await page.textContent('body')).includes(text));
  check(`${name}: has ${sel}`, (await page.locator(sel).count()) > 0);
  await page.screenshot({ path: join(out, name + '.png'), fullPage: true });
}
// hostile strings: the breach page shows them as text, nothing ran
const body = await (await page.goto(base + '/breaches/1')) && page.textContent('body');
check('hostile hostname shown as text', (await body).includes('<script>alert(1)</script>.evil'));
check('hostile reason shown as text', (await body).includes('"><img src=x onerror=alert(2)>'));
check('no <img> or <script> element on the page', (await page.locator('main img, main script').count()) === 0);
await page.screenshot({ path: join(out, 'hostile-breach.png'), fullPage: true });
await page.goto(base + '/devices/' + dev);
await page.goto(base + '/');
check('no script ran (no dialog)', dialogs === 0);

// double lock: warning, POST confirmation, then the link
await page.goto(base + lock2);
check('double lock: first confirmation', (await page.locator('button#confirm').count()) === 1);
await page.screenshot({ path: join(out, 'double-lock-1.png'), fullPage: true });
await Promise.all([page.waitForNavigation(), page.click('button#confirm')]);
check('double lock: second confirmation', (await page.textContent('body')).includes('second and last confirmation'));
check('double lock: link to the real destination', (await page.getAttribute('a#go', 'href')) === 'https://example.org/x?y=1');
await page.screenshot({ path: join(out, 'double-lock-2.png'), fullPage: true });
const forged = await page.goto(base + lock1.replace(/t=[^&]*/, 't=AAAA'));
check('forged lock refused in the browser', forged.status() === 403);
await browser.close();
console.log(`${pass} passed, ${fail} failed (${cspViolations} CSP reports)`);
process.exit(fail ? 1 : 0);
