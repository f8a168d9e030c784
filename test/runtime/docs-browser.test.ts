// The service's docs as a user opens them: a bento served by a real child process, `/` in a real headless
// chromium, Swagger UI rendered from the server's own static files (nothing fetched elsewhere, no page
// error), showing the rows API and the Open Inference Protocol's routes under their tag.
import t from 'tap';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { chromiumMissing, launchChromium } from '../kit/browser.js';
import { svc } from '../kit/service.js';

t.test('Swagger UI at / renders the rows API and the V2 routes', { skip: chromiumMissing(), timeout: 120_000 }, async (t) => {
  const bento = await makeBento(svc);
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  const s = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);

  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const elsewhere: string[] = [];
  const errors: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(s.url) && !req.url().startsWith('data:')) elsewhere.push(req.url());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${s.url}/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
  const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path') ?? e.textContent ?? ''));
  const tags = await page.$$eval('.opblock-tag', (els) => els.map((e) => e.getAttribute('data-tag') ?? e.textContent ?? ''));
  t.ok(paths.some((p) => p.includes('/predict')), `POST /predict is shown (${paths.join(', ')})`);
  t.ok(paths.some((p) => p.includes('/v2/models/{name}/infer')), 'V2 infer is shown');
  t.ok(tags.some((tag) => tag.includes('Open Inference Protocol (KServe V2)')), `the V2 tag is a section (${tags.join(', ')})`);
  t.same(errors, [], 'no page errors');
  t.same(elsewhere, [], 'nothing fetched from anywhere but the service');
});
