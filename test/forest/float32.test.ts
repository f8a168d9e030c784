// The float32 rounding the ONNX reader and writer rely on to keep every float32 input on its branch.
import t from 'tap';
import { below32, floor32, nextDown32 } from '../../src/forest/float32.js';

const MAX32 = 3.4028234663852886e38;

t.test('nextDown32 steps to the float32 just below', async (t) => {
  t.equal(nextDown32(1), 1 - 2 ** -24);
  t.equal(nextDown32(-1), -(1 + 2 ** -23));
  t.equal(nextDown32(0), -(2 ** -149));
  t.equal(nextDown32(-0), -(2 ** -149));
  t.equal(nextDown32(2 ** -149), 0);
  t.equal(nextDown32(Infinity), MAX32);
  t.equal(nextDown32(-MAX32), -Infinity);
  t.ok(Number.isNaN(nextDown32(NaN)));
});

t.test('floor32 and below32 keep float32 comparisons with a float64 bound', async (t) => {
  let seed = 1;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const failures: string[] = [];
  let roundedUp = 0;
  let roundedDown = 0;
  for (let i = 0; i < 20000; i++) {
    const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6);
    const lo = floor32(x), lt = below32(x);
    const up = (v: number) => -nextDown32(-v);
    // lo is a float32 ≤ x and the next float32 is > x; lt is a float32 < x and the next is ≥ x.
    if (Math.fround(lo) !== lo || lo > x || up(lo) <= x) failures.push(`floor32(${x}) = ${lo}`);
    if (Math.fround(lt) !== lt || lt >= x || up(lt) < x) failures.push(`below32(${x}) = ${lt}`);
    if (Math.fround(x) > x) roundedUp++;
    if (Math.fround(x) < x) roundedDown++;
  }
  t.same(failures.slice(0, 5), [], `${failures.length} of 40000 checks failed`);
  // the sample exercises both branches: values float32 rounds up (floor32 steps down) and down (kept)
  t.ok(roundedUp > 1000 && roundedDown > 1000, `rounded up ${roundedUp}, down ${roundedDown}`);
  t.equal(floor32(1.5), 1.5, 'a float32 value is its own floor');
  t.equal(below32(1.5), nextDown32(1.5), 'and strictly below it is the previous float32');
  t.equal(floor32(0.1), nextDown32(Math.fround(0.1)), 'fround(0.1) > 0.1, so the floor is one below');
  t.equal(floor32(1e39), MAX32);
});
