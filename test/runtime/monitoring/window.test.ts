// The sliding window: a ring that keeps the last N rows in order, a large request copying only its last N,
// outputs kept per row, and snapshots of several workers merged into the last N records by serving time.
import t from 'tap';
import { mergeByApi, mergeSnapshots, RecordWindow } from '../../../src/runtime/monitoring/window.js';

const rowsOf = (ids: number[]): Float32Array => Float32Array.from(ids.flatMap((i) => [i, -i]));

t.test('the last N rows, oldest first, across wraps', async (t) => {
  const w = new RecordWindow('predict', 4, 2);
  w.observe(rowsOf([1, 2, 3]), 3, Float32Array.from([10, 20, 30]), 100);
  t.same(w.snapshot().rows, [1, -1, 2, -2, 3, -3]);
  w.observe(rowsOf([4, 5]), 2, Float32Array.from([40, 50]), 200);
  const s = w.snapshot();
  t.same(s.rows, [2, -2, 3, -3, 4, -4, 5, -5], 'wrapped: 1 fell out');
  t.same(s.outputs, [20, 30, 40, 50]);
  t.same(s.times, [100, 100, 200, 200]);
  t.equal(w.length, 4);
  w.observe(rowsOf([6, 7, 8, 9, 10, 11]), 6, Float32Array.from([6, 7, 8, 9, 10, 11]), 300);
  t.same(w.snapshot().rows.filter((_, k) => k % 2 === 0), [8, 9, 10, 11], 'a request larger than the window leaves its last N');
  t.equal(w.seen, 11);
  const multi = new RecordWindow('x', 3, 1);
  multi.observe(Float32Array.from([1, 2]), 2, Float32Array.from([1, 100, 2, 200]), 0);
  t.same(multi.snapshot().outputs, [1, 2], 'two outputs per row: the first is kept');
});

t.test('merged snapshots: the last N records of every worker by time', async (t) => {
  const a = new RecordWindow('predict', 3, 2);
  const b = new RecordWindow('predict', 3, 2);
  a.observe(rowsOf([1]), 1, Float32Array.from([1]), 10);
  b.observe(rowsOf([2]), 1, Float32Array.from([2]), 20);
  a.observe(rowsOf([3]), 1, Float32Array.from([3]), 30);
  b.observe(rowsOf([4, 5]), 2, Float32Array.from([4, 5]), 40);
  const m = mergeSnapshots([a.snapshot(), b.snapshot()])!;
  t.same(m.outputs, [3, 4, 5], 'the last 3 of 5, whichever worker served them');
  t.same(m.rows, [3, -3, 4, -4, 5, -5]);
  t.equal(mergeSnapshots([]), undefined);
  const other = new RecordWindow('other', 3, 2);
  other.observe(rowsOf([9]), 1, Float32Array.from([9]), 5);
  const byApi = mergeByApi([a.snapshot(), other.snapshot(), b.snapshot()]);
  t.same(byApi.map((s) => [s.api, s.outputs]), [['predict', [3, 4, 5]], ['other', [9]]], 'grouped by API');
});
