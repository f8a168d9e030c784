import t from 'tap';
import { BentoError } from '../../src/errors.js';
import type { ModelPreprocessing } from '../../src/models/model-info.js';
import { parseCsv } from '../../src/pipeline/csv.js';
import { inferDataset, modelNameFromFile } from '../../src/pipeline/infer.js';
import { recordsToRows } from '../../src/pipeline/preprocess.js';
import { BadRowError, columnPreprocessor, recordPreprocessor } from '../../src/pipeline/rules.js';
import { wrangle, type DatasetSpec } from '../../src/pipeline/wrangle.js';

const HOUSES = ['rooms,area,street,price', '12,80,Elm,100', '3,,Oak,200', '4,60,,300', '2,NA,Other,400', '5,90,Elm,'].join('\n');
const spec = (rules: DatasetSpec['rules']): DatasetSpec => ({
  columns: { rooms: 'number', area: 'number', street: 'string', price: 'number' },
  target: 'price',
  features: ['rooms', 'area'],
  rules,
});

t.test('rules apply in order: a fill before a drop counts the rows dropped later, after it does not', async (t) => {
  const table = parseCsv(HOUSES, 'h.csv');
  const before = wrangle(table, 'h.csv', spec([{ clip: 'rooms', max: 10 }, { fill_mean: 'area' }, { drop_missing: ['street'] }, { rename: 'street', from: 'Other', to: 'Main' }]));
  t.same(before.fill, { area: (80 + 60 + 90) / 3 }, 'mean over every row with an area (row 4 is dropped later)');
  t.same(Array.from(before.x), [10, 80, 3, 230 / 3, 2, 230 / 3], 'rooms clipped, areas filled');
  t.same(before.text.street, ['Elm', 'Oak', 'Main']);
  t.same(before.lines, [2, 3, 5], 'the row missing its price is dropped too');
  t.equal(before.dropped, 2);
  const after = wrangle(table, 'h.csv', spec([{ drop_missing: ['street'] }, { fill_mean: 'area' }]));
  t.same(after.fill, { area: (80 + 90) / 2 }, 'the mean of the rows kept so far');
  const none = wrangle(table, 'h.csv', spec([]));
  t.same(none.lines, [2, 4], 'without rules, rows missing a feature or the target are dropped (a missing street is kept)');
});

const trained: ModelPreprocessing = { features: ['rooms', 'area'], target: 'price', rules: [{ clip: 'rooms', max: 10 }, { fill_mean: 'area' }, { drop_missing: ['street'] }, { rename: 'street', from: 'Other', to: 'Main' }], fill: { area: 70 } };

t.test('serving applies the stored rules to one record; training and serving agree', async (t) => {
  const toRow = recordPreprocessor({ features: ['rooms', 'area'], preprocessing: trained });
  t.same(toRow({ rooms: 12, area: null, street: 'Other', extra: true }), [10, 70]);
  t.same(toRow({ rooms: 3 }), [3, 70], 'an absent value is filled too');
  t.throws(() => toRow({ area: 5 }), { code: 'INVALID_INPUT', message: '"rooms" is missing' });
  t.throws(() => toRow({ rooms: Infinity, area: 5 }), { code: 'INVALID_INPUT', message: '"rooms" must be a finite number' }, 'not clipped into range');
  t.throws(() => toRow({ rooms: '3', area: 5 }), { code: 'INVALID_INPUT', message: '"rooms" must be a finite number' });
  // the same values through the training table give the same row
  const w = wrangle(parseCsv('rooms,area,street,price\n12,,Other,1\n1,70,Elm,1\n', 'x.csv'), 'x.csv', spec(trained.rules));
  t.same(Array.from(w.x.subarray(0, 2)), toRow({ rooms: 12, area: w.fill.area! }));
});

t.test('a model without stored preprocessing only requires finite numbers', async (t) => {
  const toRow = recordPreprocessor({ features: ['a', 'b'] });
  t.same(toRow({ a: 1, b: 2.5, c: 'x' }), [1, 2.5]);
  t.throws(() => toRow({ a: 1, b: null }), { code: 'INVALID_INPUT', message: '"b" is missing' });
});

t.test('broken stored rules are BAD_MODEL, answered 500 by recordsToRows', async (t) => {
  const bad = (preprocessing: unknown, message: RegExp) =>
    t.throws(() => recordPreprocessor({ name: 'm', version: 'v1', features: ['rooms', 'area'], preprocessing: preprocessing as ModelPreprocessing }), { code: 'BAD_MODEL', message });
  bad({ ...trained, features: ['area', 'rooms'] }, /^model m:v1: preprocessing\/features does not list the model's features in order/);
  bad({ ...trained, rules: [{ clip: 'rooms', max: 'x' }] }, /preprocessing\/rules\/0\/max must be a finite number/);
  bad({ ...trained, rules: [{ squash: 'rooms' }] }, /preprocessing\/rules\/0 must have exactly one of the keys/);
  bad({ ...trained, fill: {} }, /preprocessing\/fill has no value for "area"/);
  const info = { features: ['rooms', 'area'], preprocessing: { ...trained, fill: {} } };
  const pre = recordsToRows('regressor');
  t.throws(() => pre([{ rooms: 1, area: 2 }], { models: { regressor: { info: info as never, run: () => Promise.reject(new Error('not used')) } } }), { code: 'INTERNAL' });
});

t.test('recordsToRows: one float32 row per record; a bad record is named with its index', async (t) => {
  const info = { features: ['rooms', 'area'], preprocessing: trained };
  const ctx = { models: { regressor: { info: info as never, run: () => Promise.reject(new Error('not used')) } } };
  const rows = recordsToRows('regressor')([{ rooms: 11, area: 1.1 }, { rooms: 2 }], ctx);
  t.same(rows, { data: Float32Array.from([10, 1.1, 2, 70]), count: 2, width: 2 });
  try {
    recordsToRows('regressor')([{ rooms: 1, area: 1 }, { rooms: 1, area: 1 }, { rooms: 1, area: 1 }, { area: 1 }], ctx);
    t.fail('accepted a record without rooms');
  } catch (err) {
    t.ok(err instanceof BentoError);
    t.equal((err as BentoError).message, 'record 3: "rooms" is missing');
    t.same((err as BentoError).details, [{ path: '/3/rooms', message: 'is missing' }]);
  }
});

t.test('a data set from flags: features default to the other numeric columns', async (t) => {
  const table = parseCsv('rooms,street,area,price\n1,Elm,30,100\n2,,NA,200\n', 'h.csv');
  const d = inferDataset(table, 'h.csv', { target: 'price' });
  t.same(d, { columns: { rooms: 'number', area: 'number', price: 'number' }, target: 'price', features: ['rooms', 'area'], rules: [{ drop_missing: ['rooms', 'area', 'price'] }] });
  t.same(inferDataset(table, 'h.csv', { target: 'price', features: ['area'] }).features, ['area']);
  t.throws(() => inferDataset(table, 'h.csv', { target: 'cost' }), { code: 'BAD_ARGUMENT', message: /--target "cost": h\.csv has no such column \(columns: rooms, street, area, price\)/ });
  t.throws(() => inferDataset(table, 'h.csv', { target: 'price', features: ['price'] }), { code: 'BAD_ARGUMENT', message: /is the target/ });
  t.throws(() => inferDataset(parseCsv('a,price\nx,1\n', 'p.csv'), 'p.csv', { target: 'price' }), { code: 'BAD_DATA', message: /p\.csv: no numeric column besides the target "price"/ });
  t.equal(modelNameFromFile('/data/Houses 2024.csv'), 'houses_2024');
  t.throws(() => modelNameFromFile('/data/___.csv'), { code: 'BAD_ARGUMENT', message: /--name/ });
});

t.test('a table preprocessed by column gives the rows, and the first error, that its records give one by one', async (t) => {
  // Rules in both orders (a fill before and after a clip), two clips on a column, a column with no rule.
  const pre: ModelPreprocessing = {
    features: ['a', 'b', 'c', 'd'],
    target: 'y',
    rules: [{ clip: 'a', min: -5, max: 5 }, { fill_mean: 'a' }, { fill_mean: 'b' }, { clip: 'b', min: 0 }, { clip: 'c', max: 3 }, { clip: 'c', min: 1 }],
    fill: { a: 9, b: -2 },
  };
  const models = [{ features: pre.features, preprocessing: pre }, { features: ['a', 'b', 'c', 'd'] }];
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const values: unknown[] = [undefined, null, Number.NaN, Infinity, -Infinity, 'x', '3', true, {}];
  const value = (bad: number): unknown => (rand() < bad ? values[Math.floor(rand() * values.length)] : Math.round((rand() * 20 - 10) * 100) / 100);
  for (let trial = 0; trial < 200; trial++) {
    const count = 1 + Math.floor(rand() * 30);
    const bad = trial % 4 === 0 ? 0 : rand() * 0.1;
    // Each column: all numbers (a Float64Array, as the CSV reader gives one), or values of any kind.
    const columns = pre.features.map((): ArrayLike<unknown> => {
      const col = Array.from({ length: count }, () => value(bad));
      return col.every((v) => typeof v === 'number' && Number.isFinite(v)) && rand() < 0.7 ? Float64Array.from(col as number[]) : col;
    });
    const table = { count, column: (name: string) => columns[pre.features.indexOf(name)] };
    for (const model of models) {
      const toRow = recordPreprocessor(model);
      let want: number[] | { row: number; message: string } = [];
      for (let r = 0; r < count; r++) {
        const record = Object.fromEntries(pre.features.map((f, j) => [f, columns[j]![r]]));
        try {
          (want as number[]).push(...toRow(record).map((v) => Math.fround(v)));
        } catch (err) {
          want = { row: r, message: (err as Error).message };
          break;
        }
      }
      let got: number[] | { row: number; message: string };
      try {
        got = Array.from(columnPreprocessor(model)(table));
      } catch (err) {
        got = { row: (err as BadRowError).row, message: (err as BadRowError).error.message };
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        t.same(got, want, `trial ${trial}, ${model.preprocessing ? 'stored rules' : 'no rules'}: ${JSON.stringify(columns.map((c) => Array.from(c, (v) => (v === undefined ? 'undef' : v))))}`);
        return;
      }
    }
  }
  t.pass('200 random tables, with and without stored rules, agree with their records');
});
