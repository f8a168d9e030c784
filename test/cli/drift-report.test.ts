// `bento drift report` on a model trained by the CLI: a CSV with one feature shifted (distance + 10 km)
// reports that feature drifted and no other; the HTML page renders in a real headless chromium, fetches
// nothing, and shows the very numbers `-o json` prints; a payload log of the same rows gives the same
// report as the CSV; mistakes are one line.
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromiumMissing, launchChromium } from '../kit/browser.js';
import { currentFromCsv } from '../../src/deploy/report/current.js';
import { formatNumber } from '../../src/deploy/report/html.js';
import type { DriftReport } from '../../src/deploy/report/report.js';
import { bento } from '../kit/cli.js';
import { tempDir } from '../kit/project.js';
import { csvSlice, DISTANCE, trainActivities } from '../deploy/trained-model.js';


const strip = (r: DriftReport): Omit<DriftReport, 'generated' | 'source'> => {
  const { generated: _g, source: _s, ...rest } = r;
  return rest;
};

t.test('bento drift report', { timeout: 180_000 }, async (t) => {
  const home = await tempDir(t);
  const model = await trainActivities(home, (m) => t.comment(m));
  const shifted = path.join(home, 'shifted.csv');
  const same = path.join(home, 'same.csv');
  writeFileSync(shifted, csvSlice(0, 300, 10));
  writeFileSync(same, csvSlice(500, 800));

  const json = async (args: string[]): Promise<DriftReport> => {
    const r = await bento(['drift', 'report', ...args, '-o', 'json'], { home });
    t.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as DriftReport;
  };

  const rs = await json(['--data', shifted]);
  t.equal(rs.summary.current_rows, 300);
  t.equal(rs.features.length, 5, 'every model feature');
  for (const f of rs.features) {
    t.equal(f.drifted, f.feature === DISTANCE, `${f.feature}: ${f.verdict} (${f.stat_test} p=${f.p_value})`);
    t.equal(f.stat_test, 'ks', 'KS for a reference of ≤ 1000 rows');
    t.equal(f.histogram.reference.length, 20);
    t.ok(Math.abs(f.histogram.current.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'current shares sum to 1');
  }
  t.same([rs.summary.drifted_features, rs.summary.dataset_drift], [1, false], 'one feature of five: no dataset drift');
  t.ok(rs.prediction, 'the prediction distribution is compared');
  t.equal(rs.prediction?.histogram.current.length, 20);
  const rSame = await json(['--data', same, '--model', 'activities_regressor']);
  t.equal(rSame.summary.drifted_features, 0, 'data drawn like the reference: nothing drifted');
  t.equal(rSame.prediction?.drifted, false, 'nor did the predictions');

  await t.test('the HTML page in headless chromium shows the JSON\'s numbers and fetches nothing', { skip: chromiumMissing() }, async (t) => {
    const file = path.join(home, 'report.html');
    const w = await bento(['drift', 'report', '--data', shifted, '-o', file], { home });
    t.equal(w.code, 0, w.stderr);
    t.equal(w.stdout.trim(), file);
    const html = readFileSync(file, 'utf8');
    t.notMatch(html, /(src|href)=["']?(https?:)?\/\//, 'no external reference in the page');
    const browser = await launchChromium(t);
    const page = await browser.newPage();
    const fetched: string[] = [];
    const errors: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      if (req.url() !== `file://${file}`) fetched.push(req.url());
      void req.continue();
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    t.same(fetched, [], 'the page fetched nothing');
    t.same(errors, [], 'no page errors');
    t.match(await page.title(), /Drift report: activities_regressor:/);

    const embedded = JSON.parse((await page.$eval('#drift-report', (e) => e.textContent)) ?? '') as DriftReport;
    t.same(strip(embedded), strip(rs), 'the embedded report is the one -o json prints');

    const cells = await page.$$eval('#features tr[data-feature] td[data-key], #quality tr[data-feature] td[data-key]', (tds) =>
      tds.map((td) => ({ feature: td.parentElement!.getAttribute('data-feature')!, table: td.closest('table')!.id, key: td.getAttribute('data-key')!, value: td.getAttribute('data-value'), text: td.textContent ?? '' })),
    );
    t.equal(cells.filter((c) => c.table === 'features').length, 5 * 6, 'six cells per feature in the test table');
    for (const c of cells) {
      const f = rs.features.find((x) => x.feature === c.feature)!;
      const want =
        c.table === 'features'
          ? (f as unknown as Record<string, unknown>)[c.key]
          : c.key.startsWith('correlation_')
            ? rs.correlations[c.feature]?.[c.key.slice('correlation_'.length) as 'current' | 'reference']
            : (f.quality as unknown as Record<string, unknown>)[c.key];
      if (typeof want === 'string') t.equal(c.text, want, `${c.feature} ${c.key}`);
      else {
        t.equal(c.text, formatNumber(want as number | null), `${c.feature} ${c.key} shows ${c.text}`);
        if (typeof want === 'number') t.equal(Number(c.value), want, `${c.feature} ${c.key}: the exact value`);
      }
    }
    const cards = await page.$$eval('#summary .card', (els) => els.map((e) => [e.getAttribute('data-key'), e.getAttribute('data-value')]));
    for (const [key, value] of cards) t.equal(value, String((rs.summary as unknown as Record<string, unknown>)[key!]), `summary ${key}`);
    const bars = await page.$$eval('.feature svg.hist', (svgs) => svgs.map((s) => [s.querySelectorAll('rect.ref').length, s.querySelectorAll('rect.cur').length, s.getBoundingClientRect().width]));
    t.same(bars.map(([r, c]) => [r, c]), Array(5).fill([20, 20]), 'a reference and a current histogram per feature');
    t.ok(bars.every(([, , w]) => (w as number) > 100), 'the histograms are laid out');
    const drift = await page.$$eval('#features tr[data-feature] td.drift', (tds) => tds.map((td) => td.parentElement!.getAttribute('data-feature')));
    t.same(drift, [DISTANCE], 'the verdict column marks the shifted feature only');
    const pred = await page.$$eval('#prediction td[data-key]', (tds) => tds.map((td) => [td.getAttribute('data-key'), td.textContent]));
    for (const [key, text] of pred) {
      const want = (rs.prediction as unknown as Record<string, unknown>)[key!];
      t.equal(text, typeof want === 'string' ? want : formatNumber(want as number | null), `prediction ${key}`);
    }
    t.equal(pred.length, 6, 'the prediction test row');
    t.equal(await page.$$eval('#prediction + svg.hist rect', (r) => r.length), 40, 'the prediction histograms');
  });

  await t.test('a payload log of the same rows gives the same report as the CSV', async (t) => {
    // The rows and predictions as the service logs them: built from the CSV report's own reading.
    const { info } = model;
    const cur = await currentFromCsv(shifted, model);
    const logDir = path.join(home, 'log');
    mkdirSync(logDir);
    const lines: string[] = [];
    for (let i = 0; i < cur.rows; i += 7) {
      const idx = Array.from({ length: Math.min(7, cur.rows - i) }, (_, k) => i + k);
      lines.push(JSON.stringify({ time: i, api: 'predict', inputs: idx.map((r) => info.features.map((f) => cur.features[f]![r])), outputs: idx.map((r) => cur.predictions[r]) }));
    }
    const half = Math.ceil(lines.length / 2);
    writeFileSync(path.join(logDir, 'predict.1.jsonl'), lines.slice(0, half).join('\n') + '\n');
    writeFileSync(path.join(logDir, 'predict.jsonl'), lines.slice(half).join('\n') + '\n{"time": 1, "inp'); // a line cut short by a live writer
    const fromLog = await json(['--log', logDir]);
    t.same(strip({ ...fromLog, summary: { ...fromLog.summary } }), strip(rs), 'the same numbers from the log');
  });

  await t.test('mistakes are one line and exit 1', async (t) => {
    const empty = path.join(home, 'empty');
    mkdirSync(empty);
    const cases: Array<[string[], RegExp]> = [
      [['drift', 'report', '-o', 'json'], /BAD_ARGUMENT: bento drift report needs one of --data FILE or --log DIR/],
      [['drift', 'report', '--data', shifted, '--log', empty, '-o', 'json'], /needs one of --data FILE or --log DIR/],
      [['drift', 'report', '--data', shifted], /needs -o report.html/],
      [['drift', 'report', '--data', path.join(home, 'nope.csv'), '-o', 'json'], /FILE_NOT_FOUND: --data .*nope.csv: no such file/],
      [['drift', 'report', '--log', empty, '-o', 'json'], /BAD_DATA: --log .*empty: no payload log/],
      [['drift', 'report', '--data', shifted, '--model', 'nope', '-o', 'json'], /TAG_NOT_FOUND/],
    ];
    for (const [args, err] of cases) {
      const r = await bento(args, { home });
      t.equal(r.code, 1, `${args.slice(2).join(' ')}: exit 1`);
      t.match(r.stderr, err);
      t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
    writeFileSync(path.join(empty, 'predict.jsonl'), JSON.stringify({ inputs: [[1, 2]], outputs: [3] }) + '\n');
    const r = await bento(['drift', 'report', '--log', empty, '-o', 'json'], { home });
    t.match(r.stderr, /BAD_DATA: .*predict.jsonl:1: row 0 has 2 values; model activities_regressor takes 5/);
  });
});
