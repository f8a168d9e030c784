import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { trainOnData } from '../../src/datasets/train.js';
import { getModel } from '../../src/models/model-store.js';
import { escapeXml, featureImportanceChart, niceTicks, residualsChart, trainingCharts } from '../../src/pipeline/charts.js';
import { getRun } from '../../src/pipeline/runs.js';
import { ROOT, tempHome } from '../kit/project.js';
import { CATALOG, PYTHON } from '../kit/python.js';

const noPython = existsSync(PYTHON) ? undefined : `${PYTHON} not found: XML well-formedness not checked`;

/** Parses the SVG with Python's XML parser (standard library) and returns the tag counts. */
function xmlTags(svg: string): Record<string, number> {
  const r = spawnSync(PYTHON, ['-c', `
import sys, json, collections, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
print(json.dumps(collections.Counter(e.tag.split('}')[-1] for e in root.iter())))`], { input: svg, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`not well-formed XML: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

t.test('feature importance chart: a bar and a label per feature, largest first', async (t) => {
  const names = ['Distance (km)', 'Climb (m)', 'A & <b>'];
  const svg = featureImportanceChart(names, [0.2, 0.7, 0.1], 'Feature importance');
  t.match(svg, /^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.match(svg, /<title>Feature importance<\/title>/);
  t.ok(svg.indexOf('>Climb (m)</text>') < svg.indexOf('>Distance (km)</text>'), 'sorted by importance');
  t.match(svg, /A &amp; &lt;b&gt;/, 'names are escaped');
  t.match(svg, />0\.700</);
  t.test('well-formed XML', { skip: noPython }, async (t) => {
    t.equal(xmlTags(svg).rect, 1 + names.length, 'background + one bar per feature');
  });
});

t.test('residuals chart: one point per row, a zero line, labelled axes', async (t) => {
  const actual = [10, 20, 30, 45];
  const predicted = [12, 18, 33, 40];
  const svg = residualsChart(actual, predicted, 'Residuals');
  t.match(svg, />predicted</);
  t.match(svg, /residual \(actual − predicted\)/);
  t.match(svg, /stroke-dasharray/, 'the zero line');
  t.equal(svg.match(/<circle /g)?.length, 4);
  t.test('well-formed XML', { skip: noPython }, async (t) => {
    t.equal(xmlTags(svg).circle, 4);
  });
});

t.test('ticks are round and cover the range', async (t) => {
  t.same(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const ticks = niceTicks(-37, 112, 5);
  t.ok(ticks[0]! <= -37 && ticks.at(-1)! >= 112, 'covers the range');
  t.same(ticks, [-50, 0, 50, 100, 150], 'a step of 1, 2 or 5 × 10^k (here 50 for a raw 29.8)');
  t.same(niceTicks(5, 5).length > 1, true, 'a zero range still gets ticks');
  t.same(niceTicks(0, Infinity), [0, Infinity], 'an infinite range ends instead of looping');
  t.equal(niceTicks(NaN, NaN).length, 2, 'and so does a NaN one');
  t.equal(escapeXml(`"'<>&`), '&quot;&apos;&lt;&gt;&amp;');
});

t.test('training charts are titled with the model\'s name and version', async (t) => {
  const charts = trainingCharts({ name: 'houses', version: '1m8qabc' }, { features: ['a', 'b'], importances: [0.6, 0.4], actual: [1, 2], predicted: [1.5, 2], mae: 0.25 });
  t.match(charts['feature_importance.svg'], /<title>Feature importance — houses:1m8qabc<\/title>/);
  t.match(charts['residuals.svg'], /<title>Residuals of houses:1m8qabc on the validation split \(MAE 0\.25\)<\/title>/);
  t.match(trainingCharts({ name: 'houses' }, { features: ['a'], importances: [1], actual: [1], predicted: [1], mae: 0 })['feature_importance.svg'], /<title>Feature importance — houses<\/title>/, 'the name alone before a version exists');
});

t.test('a trained model\'s stored charts (and its run\'s) name the version it is stored under', async (t) => {
  await tempHome(t);
  const { info, run } = await trainOnData({ project: ROOT, conf: path.dirname(CATALOG) });
  const tag = `${info.name}:${info.version}`;
  for (const file of ['feature_importance.svg', 'residuals.svg']) {
    const stored = await fs.readFile(path.join((await getModel(tag)).dir, file), 'utf8');
    t.match(stored, `<title>${file.startsWith('feature') ? 'Feature importance — ' : 'Residuals of '}${tag}`, `model ${file}`);
    t.equal(await fs.readFile(path.join((await getRun(run.version)).dir, file), 'utf8'), stored, `the run's ${file} is the same chart`);
  }
});
