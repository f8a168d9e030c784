import t from 'tap';
import { Batcher, ShedError } from '../../src/runtime/batching/batcher.js';
import { Cancellation } from '../../src/runtime/batching/cancellation.js';
import { CostModel } from '../../src/runtime/batching/cost-model.js';
import type { Rows } from '../../src/sdk/index.js';
import { ManualClock } from '../kit/manual-clock.js';

/** `count` rows of width 2 whose first value identifies the row: start, start+1, … */
function rows(start: number, count: number): Rows {
  const data = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) data[i * 2] = start + i;
  return { data, count, width: 2 };
}

/** Attaches a handler at once (no unhandled rejection while the clock runs); resolves with the error or the value. */
function outcome<T>(p: Promise<T>): Promise<T | unknown> {
  return p.then((v) => v, (e: unknown) => e);
}

/** A fake model answering each row's first value; each call "takes" a·n + b ms of the manual clock. */
function model(clock: ManualClock, a = 0, b = 0) {
  const calls: number[][] = [];
  let fail: Error | undefined;
  const callback = async (batch: Rows): Promise<Float32Array> => {
    calls.push(Array.from({ length: batch.count }, (_, i) => batch.data[i * batch.width]!));
    clock.t += a * batch.count + b;
    if (fail) {
      const err = fail;
      fail = undefined;
      throw err;
    }
    return Float32Array.from(calls.at(-1)!);
  };
  return { calls, callback, failNext: (e: Error) => (fail = e) };
}

t.test('cost model: least-squares fit of duration against batch size', async (t) => {
  const m = new CostModel(8);
  m.observe(1, 1.1);
  t.equal(m.a, 1.1, 'one size only: cost charged per row');
  t.equal(m.b, 0);
  m.observe(10, 2.0);
  t.ok(Math.abs(m.a - 0.1) < 1e-9 && Math.abs(m.b - 1.0) < 1e-9, `a=${m.a} b=${m.b}`);
  t.ok(Math.abs(m.estimate(100) - 11) < 1e-9);
  for (let i = 0; i < 8; i++) m.observe(50, 5); // window of 8 forgets the first two
  t.equal(m.samples, 8);
  t.equal(m.a, 0.1);
});

t.test('cost model: a run of small calls after a large one does not extrapolate their noise to large requests', async (t) => {
  const m = new CostModel(64);
  m.observe(1000, 5); // warm-up or a bulk request: 5 µs a row
  // then only single records, whose durations differ by scheduling noise (1 or 2 rows, 0.2–2 ms)
  for (let i = 0; i < 64; i++) m.observe(1 + (i % 2), i % 2 ? 2 : 0.2);
  const tenThousand = m.estimate(10_000);
  t.ok(tenThousand < 200, `10 000 rows are expected in ${tenThousand.toFixed(0)} ms, near 10 × the 1 000-row call (without the anchor: ${(1.8 * 10_000).toFixed(0)} ms)`);
  t.ok(m.estimate(1) > 0.2 && m.estimate(1) < 2.5, `a single row still costs what single rows cost (${m.estimate(1).toFixed(2)} ms)`);
  m.observe(900, 9); // a new large call replaces the anchor: the slope follows
  t.ok(Math.abs(m.estimate(900) - 9) < 3, `estimate(900) = ${m.estimate(900).toFixed(1)} follows the latest large call`);
});

t.test("the caller's wait per call is read when a request is judged: a busy loop sheds, a past one does not", async (t) => {
  const clock = new ManualClock();
  const m = model(clock, 0.01, 1); // 1 000 rows: 11 ms
  let lag = 0;
  const b = new Batcher(m.callback, { maxBatchSize: 1000, maxLatencyMs: 200, clock, waitPerCallMs: () => lag });
  const two = Promise.all([b.submit(rows(0, 1000)), b.submit(rows(0, 1000))]);
  await clock.flush();
  await two;
  t.ok(Math.abs(b.expectedMs(10_000) - 110) < 5, `10 000 rows: ten calls of 11 ms (${b.expectedMs(10_000).toFixed(1)})`);
  lag = 30; // the event loop is busy: a call waits for it as well, once per request (not per call of a split one)
  t.ok(Math.abs(b.expectedMs(10_000) - 140) < 5, `and 30 ms more for the one request while it is (${b.expectedMs(10_000).toFixed(1)})`);
  t.ok(Math.abs(b.expectedMs(1) - 31) < 1, `a single row: its call and one wait (${b.expectedMs(1).toFixed(1)})`);
  lag = 0; // it was a spell: nothing of it stays
  t.ok(Math.abs(b.expectedMs(10_000) - 110) < 5, 'gone with it');
});

t.test('concurrent requests are merged into one call and split back in order', async (t) => {
  const clock = new ManualClock();
  const m = model(clock);
  const b = new Batcher(m.callback, { maxBatchSize: 100, maxLatencyMs: 100, clock });
  const answers = [b.submit(rows(0, 3)), b.submit(rows(10, 1)), b.submit(rows(20, 2))];
  await clock.flush();
  t.same(m.calls, [[0, 1, 2, 10, 20, 21]], 'one call with every row, in arrival order');
  const out = await Promise.all(answers);
  t.same(out.map((o) => Array.from(o)), [[0, 1, 2], [10], [20, 21]]);
});

t.test('max_batch_size bounds a call and splits a large request across calls', async (t) => {
  const clock = new ManualClock();
  const m = model(clock);
  const b = new Batcher(m.callback, { maxBatchSize: 4, maxLatencyMs: 1000, clock });
  const answers = [b.submit(rows(0, 3)), b.submit(rows(100, 6)), b.submit(rows(200, 1))];
  await clock.flush();
  t.same(m.calls, [[0, 1, 2, 100], [101, 102, 103, 104], [105, 200]]);
  const out = await Promise.all(answers);
  t.same(Array.from(out[1]!), [100, 101, 102, 103, 104, 105], 'the split request is whole and in order');
  t.same(Array.from(out[2]!), [200]);
});

t.test('max_batch_size 1 works', async (t) => {
  const clock = new ManualClock();
  const m = model(clock);
  const b = new Batcher(m.callback, { maxBatchSize: 1, maxLatencyMs: 1000, clock });
  const answers = [b.submit(rows(0, 2)), b.submit(rows(5, 1))];
  await clock.flush();
  t.same(m.calls, [[0], [1], [5]]);
  t.same((await Promise.all(answers)).map((o) => Array.from(o)), [[0, 1], [5]]);
});

t.test('a full queue sheds new requests with OVERLOADED and a retry hint', async (t) => {
  const clock = new ManualClock();
  const m = model(clock);
  const b = new Batcher(m.callback, { maxBatchSize: 2, maxLatencyMs: 1000, maxQueueRows: 4, clock });
  const kept = [b.submit(rows(0, 2)), b.submit(rows(2, 2))];
  const err = await b.submit(rows(4, 1)).catch((e: unknown) => e);
  t.ok(err instanceof ShedError, 'shed');
  t.equal((err as ShedError).code, 'OVERLOADED');
  t.equal((err as ShedError).status, 503);
  t.ok((err as ShedError).retryAfterSeconds >= 1);
  await clock.flush();
  t.equal((await Promise.all(kept)).length, 2, 'the queued requests are still answered');
  t.same(m.calls.flat(), [0, 1, 2, 3], 'the shed request never reached the model');
});

t.test('a request that cannot meet its latency budget is shed at once', async (t) => {
  const clock = new ManualClock();
  const m = model(clock, 10, 0); // 10 ms per row
  const b = new Batcher(m.callback, { maxBatchSize: 5, maxLatencyMs: 50, clock });
  const teach = b.submit(rows(0, 1)); // the first call teaches the cost model
  await clock.flush();
  await teach;
  const first = b.submit(rows(0, 4)); // 40 ms: fits
  const late = b.submit(rows(10, 2)); // another 20 ms behind it: 60 ms > 50 ms
  const lateErr = await late.catch((e: unknown) => e);
  t.ok(lateErr instanceof ShedError, 'shed before queueing');
  await clock.flush();
  t.equal((await first).length, 4);
});

t.test('requests that waited past their budget are shed, never sent to the model', async (t) => {
  const clock = new ManualClock();
  let release!: (v: Float32Array) => void;
  const calls: number[] = [];
  const b = new Batcher(
    (batch) => {
      calls.push(batch.count);
      return new Promise((r) => (release = r));
    },
    { maxBatchSize: 10, maxLatencyMs: 50, clock },
  );
  const first = b.submit(rows(0, 1));
  await clock.flush(); // first call is in flight and never reports its cost
  const waiting = outcome(b.submit(rows(1, 1)));
  await clock.advance(80);
  release(new Float32Array([0]));
  await first;
  await clock.flush();
  const err = await waiting;
  t.ok(err instanceof ShedError, 'the waiting request is shed');
  t.same(calls, [1], 'and the model never saw it');
});

t.test('a cancelled request leaves the queue', async (t) => {
  const clock = new ManualClock();
  const m = model(clock);
  const b = new Batcher(m.callback, { maxBatchSize: 10, maxLatencyMs: 1000, clock });
  const cancel = new Cancellation();
  const gone = outcome(b.submit(rows(0, 2), cancel));
  const kept = b.submit(rows(5, 1));
  cancel.cancel(new Error('client gave up'));
  await clock.flush();
  t.match(await gone, { message: 'client gave up' });
  t.same(Array.from(await kept), [5]);
  t.same(m.calls, [[5]]);
  t.equal(b.queuedRows, 0);
});

t.test('a failing call rejects its requests only; the next batch runs', async (t) => {
  const clock = new ManualClock();
  const m = model(clock);
  const b = new Batcher(m.callback, { maxBatchSize: 2, maxLatencyMs: 1000, clock });
  m.failNext(new Error('boom'));
  const a = outcome(b.submit(rows(0, 2)));
  const c = b.submit(rows(7, 1));
  await clock.flush();
  t.match(await a, { message: 'boom' });
  t.same(Array.from(await c), [7]);
});

t.test('when a call has a high fixed cost, waiting for the next request pays off', async (t) => {
  const clock = new ManualClock();
  const m = model(clock);
  const b = new Batcher(m.callback, { maxBatchSize: 100, maxLatencyMs: 200, clock });
  b.cost.observe(1, 20); // 20 ms per call, whatever its size
  b.cost.observe(50, 20.5);
  for (let i = 0; i < 4; i++) {
    void b.submit(rows(1000 + i, 1)); // requests every 2 ms
    await clock.advance(2);
  }
  await clock.advance(10);
  m.calls.length = 0;
  const x = b.submit(rows(0, 1));
  await clock.flush();
  t.same(m.calls, [], 'the batcher waits instead of calling at once');
  t.equal(clock.pendingTimers, 1);
  await clock.advance(1);
  const y = b.submit(rows(1, 1));
  await clock.advance(5);
  t.same(m.calls, [[0, 1]], 'a later request joined the same call');
  t.same([Array.from(await x), Array.from(await y)], [[0], [1]]);
});

t.test('when calls are cheap the batcher does not wait', async (t) => {
  const clock = new ManualClock();
  const m = model(clock, 0.01, 0.02);
  const b = new Batcher(m.callback, { maxBatchSize: 100, maxLatencyMs: 200, clock });
  for (let i = 0; i < 4; i++) {
    void b.submit(rows(i, 1 + i));
    await clock.flush();
    await clock.advance(2);
  }
  m.calls.length = 0;
  void b.submit(rows(0, 1));
  await clock.flush();
  t.same(m.calls, [[0]], 'called on the next turn, no timer');
  t.equal(clock.pendingTimers, 0);
});

t.test('the budget counts from when the request arrived, if given', async (t) => {
  const clock = new ManualClock();
  const m = model(clock, 10, 0); // 10 ms per row
  const b = new Batcher(m.callback, { maxBatchSize: 5, maxLatencyMs: 50, clock });
  const teach = b.submit(rows(0, 1));
  await clock.flush();
  await teach;
  clock.t = 1000;
  const first = b.submit(rows(0, 1)); // busy for 10 ms
  const fresh = b.submit(rows(1, 2), undefined, clock.t); // 10 + 20 ms: fits 50 ms
  const old = await outcome(b.submit(rows(3, 2), undefined, clock.t - 30)); // arrived 30 ms ago: 30 + 50 ms > 50 ms
  t.ok(old instanceof ShedError, 'a request that already used most of its budget is shed');
  await clock.flush();
  t.equal((await first).length, 1);
  t.equal((await fresh).length, 2);
});
