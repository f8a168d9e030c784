import t from 'tap';
import { BentoError } from '../../src/errors.js';
import type { ModelPreprocessing } from '../../src/models/model-info.js';
import { parseCsv } from '../../src/pipeline/csv.js';
import { inferDataset, modelNameFromFile } from '../../src/pipeline/infer.js';
import { recordsToRows } from '../../src/pipeline/preprocess.js';
import { recordPreprocessor } from '../../src/pipeline/rules.js';
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
