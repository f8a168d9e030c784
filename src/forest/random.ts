/**
 * Random numbers that reproduce numpy's legacy `RandomState` (MT19937) and scikit-learn's tree RNG, so
 * that splits, bootstrap samples and feature orders are the ones scikit-learn would draw for a seed.
 */
import { BentoError } from '../errors.js';

const N = 624;
const M = 397;

/** The Mersenne Twister MT19937, seeded like numpy's `RandomState(seed)` (init_genrand). */
export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new BentoError('BAD_CONFIG', `random_state must be an integer from 0 to 2^32 - 1, not ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    let k = 0;
    let y: number;
    for (; k < N - M; k++) {
      y = (mt[k]! & 0x80000000) | (mt[k + 1]! & 0x7fffffff);
      mt[k] = mt[k + M]! ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    for (; k < N - 1; k++) {
      y = (mt[k]! & 0x80000000) | (mt[k + 1]! & 0x7fffffff);
      mt[k] = mt[k + M - N]! ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    y = (mt[N - 1]! & 0x80000000) | (mt[0]! & 0x7fffffff);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    this.mti = 0;
  }

  /** The next 32-bit draw (genrand_int32), as an unsigned integer. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    return temper(this.mt[this.mti++]!);
  }

  /** A double in [0, 1) with 53 random bits, like numpy's `random_sample()`. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A uniform integer in [0, max] by masked rejection on 32-bit draws (numpy's `random_interval` and the
   * legacy `randint`'s masked path). `max` must be below 2^32.
   */
  bounded(max: number): number {
    if (max === 0) return 0;
    if (max === 0xffffffff) return this.nextUint32();
    const mask = maskFor(max);
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /**
   * What `bounded(max)` would return now, without consuming any draw: lets one fresh generator serve
   * two consumers that scikit-learn seeds identically (a tree's splitter seed and its bootstrap).
   */
  peekBounded(max: number): number {
    if (this.mti >= N) this.twist(); // twisting early leaves the stream unchanged
    const mask = maskFor(max);
    for (let k = this.mti; k < N; k++) {
      const v = (temper(this.mt[k]!) & mask) >>> 0;
      if (v <= max) return v;
    }
    // every remaining draw of this block was rejected: continue on a copy
    const copy = new MT19937(0);
    copy.mt.set(this.mt);
    copy.mti = N;
    return copy.bounded(max);
  }

  /** numpy legacy `randint(low, high)`: a uniform integer in [low, high). */
  randint(low: number, high: number): number {
    if (high <= low) throw new BentoError('INTERNAL', `randint: high (${high}) must exceed low (${low})`);
    return low + this.bounded(high - low - 1);
  }
}

function temper(y: number): number {
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y >>> 0;
}

/** The smallest all-ones bit mask ≥ max. */
function maskFor(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

/** numpy's `RandomState(seed).permutation(n)`: Fisher–Yates from the end, j = random_interval(i). */
export function permutation(n: number, seed: number): Int32Array {
  const rng = new MT19937(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i >= 1; i--) {
    const j = rng.bounded(i);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** scikit-learn's tree RNG (`our_rand_r`, an xorshift on a uint32 state) as used by its splitters. */
export class RandR {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next value in [0, 2^31 - 1]. */
  next(): number {
    let s = this.state === 0 ? 1 : this.state;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    this.state = s;
    return s % 0x80000000;
  }

  /** An integer in [low, high) (`rand_int`). */
  int(low: number, high: number): number {
    return low + (this.next() % (high - low));
  }
}

/** scikit-learn's RAND_R_MAX and numpy's int32 max, the bounds of the seeds it draws. */
export const INT32_MAX = 0x7fffffff;
