// jsonReady: what onnxruntime hands a handler (typed arrays, bigints) becomes lists and numbers wherever it
// sits in an answer; everything else is left as it is, and nothing is copied when nothing changes.
import t from 'tap';
import { jsonReady } from '../../src/runtime/http/json-answer.js';

t.test('typed arrays and bigints become lists and numbers, at any depth', async (t) => {
  const tensor = { type: 'int64', dims: [2], data: BigInt64Array.from([3n, -4n]) };
  const answer = { scores: Float32Array.from([0.5, 1.25]), count: 7n, nested: [{ tensor }], ints: Uint8Array.from([1, 0]) };
  t.equal(JSON.stringify(jsonReady(answer)), '{"scores":[0.5,1.25],"count":7,"nested":[{"tensor":{"type":"int64","dims":[2],"data":[3,-4]}}],"ints":[1,0]}');
  t.same(Object.keys(answer.nested[0]!.tensor), ['type', 'dims', 'data'], 'the answer itself is not changed');
  t.ok(answer.scores instanceof Float32Array);
  t.same(jsonReady(9007199254740993n), 9007199254740992, 'an int64 beyond 2^53: the nearest JSON number');
});

t.test('nothing to change: the same objects back; other values left alone', async (t) => {
  const plain = { a: [1, 2, { b: 'x' }], c: null, d: true };
  t.equal(jsonReady(plain), plain, 'the same object');
  const date = new Date(0);
  t.equal(jsonReady(date), date, 'an object with a prototype of its own serializes itself');
  t.equal(jsonReady('text'), 'text');
  const view = new DataView(new ArrayBuffer(2));
  t.equal(jsonReady(view), view, 'a DataView is not a list');
});

t.test('a key "__proto__" stays a key; a deep answer is not walked past the limit', async (t) => {
  const odd = JSON.parse('{"__proto__": 1, "v": 2}') as Record<string, unknown>;
  odd.v = 5n;
  const ready = jsonReady(odd) as Record<string, unknown>;
  t.equal(Object.getPrototypeOf(ready), Object.prototype, 'the prototype is untouched');
  t.same(Object.keys(ready), ['__proto__', 'v']);
  let deep: unknown = 1n;
  for (let i = 0; i < 200; i++) deep = [deep];
  t.doesNotThrow(() => jsonReady(deep), 'a 200-deep answer: no stack overflow');
});
