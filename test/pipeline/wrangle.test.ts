import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../kit/project.js';
import { BentoError } from '../../src/errors.js';
import { parseCsv } from '../../src/pipeline/csv.js';
import { loadCatalog } from '../../src/pipeline/catalog.js';
import { preprocessRecord } from '../../src/pipeline/rules.js';
import { wrangle } from '../../src/pipeline/wrangle.js';
import { CATALOG, python, sklearnMissing } from '../kit/python.js';

// The activities project's rules (conf/base/catalog.yml), applied by the generic rule engine.
const catalog = await loadCatalog(CATALOG);
const FEATURES = catalog.features;
/** A trained model's view of the rules: what it stores for serving, with the learned fill. */
const model = (fill: Record<string, number>) => ({ features: FEATURES, preprocessing: { features: FEATURES, target: catalog.target, rules: catalog.rules, fill } });

const HEADER = 'Date,Activity ID,Type,Distance (km),Duration,Average Speed (km/h),Calories Burned,Climb (m),Average Heart rate (tpm),Quality';
const CSV = [
  HEADER,
  '2022-01-01,a,Running,31.5,600,3.15,800,10,55,1.5', // distance clamped to 30, heart rate raised to 60
  '2022-01-02,b,Other,10,600,1,900,20,,2.5', // heart rate missing → mean; Other → Walking
  '2022-01-03,c,Cycling,12,600,1.2,,30,100,3.5', // calories missing → dropped
  '2022-01-04,,Walking,5,600,0.5,700,40,90,4.5', // an ID missing → dropped (any other missing value)
  '2022-01-05,e,Walking,7,600,0.7,750,50,NaN,5.5', // pandas NA string → heart rate filled
].join('\n');

const rowsOf = (x: Float64Array): number[][] => Array.from({ length: x.length / 5 }, (_, i) => Array.from(x.subarray(i * 5, i * 5 + 5)));

t.test('the original rules: clamp, fill with the mean, drop, rename', async (t) => {
  const w = wrangle(parseCsv(CSV, 'd.csv'), 'd.csv', catalog);
  // mean over the clamped heart rates present: (60 + 100 + 90) / 3, including rows dropped later (fill before drop)
  const mean = (60 + 100 + 90) / 3;
  t.same(w.fill, { 'Average Heart rate (tpm)': mean });
  t.same(rowsOf(w.x), [
    [30, 3.15, 800, 10, 60],
    [10, 1, 900, 20, mean],
    [7, 0.7, 750, 50, mean],
  ]);
  t.same(Array.from(w.y), [1.5, 2.5, 5.5]);
  t.same(w.text.Type, ['Running', 'Walking', 'Walking']);
  t.same(w.lines, [2, 3, 6]);
  t.equal(w.sourceRows, 5);
  t.equal(w.dropped, 2);
});

t.test('a missing required column or a non-number names file, line and column', async (t) => {
  const noClimb = HEADER.replace(',Climb (m)', '') + '\n2022-01-01,a,Running,3,600,1,800,60,1.5';
  t.throws(() => wrangle(parseCsv(noClimb, 'x.csv'), 'x.csv', catalog), { code: 'BAD_DATA', message: /x\.csv: missing required column "Climb \(m\)"/ });
  const bad = `${HEADER}\n2022-01-01,a,Running,3,600,1,800,abc,60,1.5`;
  t.throws(() => wrangle(parseCsv(bad, 'y.csv'), 'y.csv', catalog), { code: 'BAD_DATA', message: /^y\.csv:2: column "Climb \(m\)" holds "abc", not a number/ });
  const huge = `${HEADER}\n2022-01-01,a,Running,3,600,1,800,5,60,1e400`;
  t.throws(() => wrangle(parseCsv(huge, 'h.csv'), 'h.csv', catalog), { code: 'BAD_DATA', message: /^h\.csv:2: column "Quality" holds "1e400", not a finite number/ });
  const noHr = `${HEADER}\n2022-01-01,a,Running,3,600,1,800,5,,1.5`;
  t.throws(() => wrangle(parseCsv(noHr, 'z.csv'), 'z.csv', catalog), { code: 'BAD_DATA', message: /no values to compute its mean/ });
});

t.test('preprocessRecord applies the same clamps and fill to one record', async (t) => {
  const fill = model({ 'Average Heart rate (tpm)': 104.9 });
  const record = { 'Distance (km)': 31, 'Average Speed (km/h)': 11.08, 'Calories Burned': 1266, 'Climb (m)': 98, 'Average Heart rate (tpm)': 50, Date: '2022-01-14', Duration: '3:34' };
  t.same(preprocessRecord(record, fill), [30, 11.08, 1266, 98, 60], 'clamped, extra fields ignored');
  t.same(preprocessRecord({ ...record, 'Average Heart rate (tpm)': null }, fill), [30, 11.08, 1266, 98, 104.9], 'null heart rate filled');
  const { 'Average Heart rate (tpm)': _, ...noHr } = record;
  t.same(preprocessRecord(noHr, fill)[4], 104.9, 'absent heart rate filled');
  t.same(Object.keys(record).filter((k) => (FEATURES as readonly string[]).includes(k)).length, 5);
  try {
    preprocessRecord({ ...record, 'Climb (m)': '98' }, fill);
    t.fail('accepted a string');
  } catch (err) {
    t.ok(err instanceof BentoError);
    t.equal((err as BentoError).code, 'INVALID_INPUT');
    t.same((err as BentoError).details, [{ path: '/Climb (m)', message: 'must be a finite number' }]);
  }
  t.throws(() => preprocessRecord({ ...record, 'Distance (km)': undefined }, fill), { code: 'INVALID_INPUT', message: '"Distance (km)" is missing' });
  t.same(record['Distance (km)'], 31, 'the record is not modified');
});

t.test('same table as the original pandas rules', { skip: sklearnMissing() }, async (t) => {
  const dir = await tempDir(t, 'bento-wrangle-');
  const file = path.join(dir, 'd.csv');
  writeFileSync(file, CSV);
  const bench = new URL('../../bench/sklearn_grid.py', import.meta.url).pathname;
  const ref = python<{ x: number[][]; y: number[] }>(`
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("g", sys.argv[1]); g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
import pandas as pd
df = g.wrangle(pd.read_csv(sys.argv[2]))
print(json.dumps({"x": df[g.FEATURES].values.tolist(), "y": df[g.TARGET].tolist()}))`, bench, file);
  const w = wrangle(parseCsv(CSV, file), file, catalog);
  t.same(rowsOf(w.x), ref.x);
  t.same(Array.from(w.y), ref.y);
});
