// summary: Chromium on the email log and a hostile message: the strings show as text, nothing runs
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(process.env.WEB_NPM_CACHE + '/node_modules/');
const { chromium } = require('playwright-core');
const [base, id, verdictFile, n, out] = process.argv.slice(2);
const v = JSON.parse(readFileSync(verdictFile, 'utf8'));
let pass = 0, fail = 0;
const check = (what, cond) => { if (cond) { pass++; console.log('ok   ' + what); } else { fail++; console.log('FAIL ' + what); } };

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vigil-chromium-')), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  viewport: { width: 1280, height: 900 },
});
const page = await browser.newPage();
let dialogs = 0;
page.on('dialog', async d => { dialogs++; await d.dismiss(); });

await page.goto(base + '/email');
check('log: one row per verdict', (await page.locator('table.mail tbody tr').count()) === Number(n));
const subjects = await page.locator('td.subject').allTextContents();
check('log: the hostile subject as text', subjects.includes(v.subject));
check('log: the sender as text', (await page.locator('td.from').allTextContents()).includes(v.from));
await page.screenshot({ path: join(out, 'email-log.png'), fullPage: true });

await page.goto(base + '/email/' + id);
check('message: title is the subject as text', (await page.locator('h1').textContent()) === v.subject);
check('message: subject cell', (await page.locator('td.subject').textContent()) === v.subject);
check('message: score', (await page.locator('table.message .score').first().textContent()) === String(v.score));
check('message: link texts', JSON.stringify(await page.locator('td.text').allTextContents()) === JSON.stringify(v.links.map(l => l.text)));
check('message: link destinations', JSON.stringify(await page.locator('td.href').allTextContents()) === JSON.stringify(v.links.map(l => l.href)));
check('message: attachment names', JSON.stringify(await page.locator('td.name').allTextContents()) === JSON.stringify(v.attachments.map(a => a.name)));
check('message: true types', JSON.stringify(await page.locator('td.true').allTextContents()) === JSON.stringify(v.attachments.map(a => a.true_type)));
check('message: tags and actions', JSON.stringify((await page.locator('span.tag').allTextContents())) === JSON.stringify(v.tags.concat(v.actions)));
check('message: no element made of the hostile strings', (await page.locator('main img, main script, main b').count()) === 0);
check('message: the real destination is not a link', (await page.locator('main a[href*="wordpress"]').count()) === 0);
await page.screenshot({ path: join(out, 'email-hostile.png'), fullPage: true });
check('no script ran (no dialog)', dialogs === 0);
await browser.close();
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
