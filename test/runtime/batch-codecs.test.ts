// The batcher over the codecs other than rows: JSON items (batchable handler APIs) and tensors joined along
// dim 0 (V2 infer) — merged, split across calls by max_batch_size, reassembled in order, and checked.
import t from 'tap';
import { Batcher, itemsCodec } from '../../src/runtime/batching/batcher.js';
import { batchableAlongRows, tensorsCodec, type Outputs, type TensorBatch } from '../../src/runtime/http/v2/tensor-batch.js';
import type { TensorValue } from '../../src/sdk/index.js';
import { ManualClock } from '../kit/manual-clock.js';

t.test('items: merged, split by max_batch_size, each request gets its own items back in order', async (t) => {
  const clock = new ManualClock();
  const calls: unknown[][] = [];
  const b = new Batcher<unknown[], unknown[]>(async (items) => (calls.push(items), items.map((x) => `<${String(x)}>`)), { codec: itemsCodec(), maxBatchSize: 4, maxLatencyMs: 1000, clock });
  const answers = [b.submit(['a', 'b']), b.submit([1, 2, 3, 4, 5]), b.submit([{ x: 1 }])];
  await clock.flush();
  t.same(calls, [['a', 'b', 1, 2], [3, 4, 5, { x: 1 }]]);
  t.same(await Promise.all(answers), [['<a>', '<b>'], ['<1>', '<2>', '<3>', '<4>', '<5>'], ['<[object Object]>']]);
  t.same(await b.submit([]), [], 'no items, no call');
});

t.test('items: a callback answering another number of items fails every request of the batch', async (t) => {
  const clock = new ManualClock();
  const b = new Batcher<unknown[], unknown[]>(async (items) => items.slice(1), { codec: itemsCodec(), maxBatchSize: 10, maxLatencyMs: 1000, clock });
  const answers = [b.submit([1, 2]), b.submit([3])].map((p) => p.then(() => undefined, (e: Error) => e.message));
  await clock.flush();
  t.same(await Promise.all(answers), ['model returned 2 outputs for 3 rows', 'model returned 2 outputs for 3 rows']);
});

const f32 = (dims: number[], data: number[]): TensorValue => ({ type: 'float32', dims, data: Float32Array.from(data) });

t.test('tensors: joined along dim 0 (numbers and strings), outputs cut back per request, across calls', async (t) => {
  const clock = new ManualClock();
  const calls: number[] = [];
  // A "model" answering y = x0 + x1 per row, its labels, and one map per row.
  const model = async (b: TensorBatch): Promise<Outputs> => {
    calls.push(b.count);
    const x = b.feeds.x!.data as Float32Array;
    const names = b.feeds.name!.data as string[];
    return {
      y: f32([b.count, 1], Array.from({ length: b.count }, (_, i) => x[2 * i]! + x[2 * i + 1]!)),
      label: { type: 'string', dims: [b.count], data: names.map((n) => n.toUpperCase()) },
      p: names.map((n) => ({ [n]: 1 })),
    };
  };
  const b = new Batcher(model, { codec: tensorsCodec(), maxBatchSize: 3, maxLatencyMs: 1000, clock });
  const req = (rows: Array<[number, number, string]>): TensorBatch => ({
    count: rows.length,
    feeds: { x: f32([rows.length, 2], rows.flatMap(([a, c]) => [a, c])), name: { type: 'string', dims: [rows.length], data: rows.map((r) => r[2]) } },
  });
  const answers = [b.submit(req([[1, 2, 'a'], [3, 4, 'b']])), b.submit(req([[10, 20, 'c'], [30, 40, 'd'], [50, 60, 'e']]))];
  await clock.flush();
  t.same(calls, [3, 2], 'max_batch_size 3: the second request is split across two calls');
  const [one, two] = await Promise.all(answers);
  t.same(Array.from((one!.y as TensorValue).data as Float32Array), [3, 7]);
  t.same((one!.y as TensorValue).dims, [2, 1]);
  t.same((one!.label as TensorValue).data, ['A', 'B']);
  t.same(one!.p, [{ a: 1 }, { b: 1 }]);
  t.same(Array.from((two!.y as TensorValue).data as Float32Array), [30, 70, 110], 'reassembled from two calls, in order');
  t.same((two!.y as TensorValue).dims, [3, 1]);
  t.same((two!.label as TensorValue).data, ['C', 'D', 'E']);
  t.same(two!.p, [{ c: 1 }, { d: 1 }, { e: 1 }]);
});

t.test('which models are batched along dim 0', async (t) => {
  const spec = (shape: Array<number | string>, type = 'float32') => ({ name: 'v', type: type as 'float32', shape });
  t.ok(batchableAlongRows({ inputs: [spec(['N', 5])], outputs: [spec(['N', 1]), spec([], 'seq(map(int64,float32))' as 'float32')] }), 'dynamic rows, fixed others; a ZipMap');
  t.notOk(batchableAlongRows({ inputs: [spec([1, 5])], outputs: [spec(['N'])] }), 'a fixed first dim');
  t.notOk(batchableAlongRows({ inputs: [spec(['N', 'M'])], outputs: [spec(['N'])] }), 'a second dynamic dim (requests could not be joined)');
  t.notOk(batchableAlongRows({ inputs: [spec(['N', 5])], outputs: [spec([])] }), 'an output without rows');
});
