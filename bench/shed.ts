/**
 * What turning a request away costs in errors (`npm run bench -- shed`): under 3× overload a server makes
 * about a thousand ShedErrors a second (the 503s), each where a request's handling stands — deep in an
 * async chain of hooks. ShedError captures no stack trace (an answer, never a bug to trace); the baseline,
 * in the same run, is the same error made with one (a BentoError of the same code), in alternating rounds.
 * (In a CPU profile of a worker under 3× overload, Dec 2026, BentoError's constructor — the shed errors,
 * with their stacks — was 4.5 % of the samples.)
 */
import { BentoError } from '../src/errors.js';
import { ShedError } from '../src/runtime/batching/batcher.js';
import { median } from './stats.js';

const N = 20_000;
const ROUNDS = 5;

/** `make` called at the bottom of `depth` awaited async calls, as a hook deep in a request's handling is. */
async function deep(depth: number, make: () => Error): Promise<Error> {
  if (depth === 0) return make();
  await null;
  return deep(depth - 1, make);
}

async function perError(make: () => Error): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await deep(16, make);
  return ((performance.now() - t0) * 1000) / N;
}

export async function run(): Promise<void> {
  const shed = (): Error => new ShedError('overloaded: the queue is full; retry in 1 s', 1);
  const withStack = (): Error => new BentoError('OVERLOADED', 'overloaded: the queue is full; retry in 1 s');
  const none = (): Error => undefined as unknown as Error;
  await perError(shed);
  await perError(withStack);
  const rows: Array<{ shed: number; stack: number; chain: number }> = [];
  for (let r = 0; r < ROUNDS; r++) rows.push({ chain: await perError(none), shed: await perError(shed), stack: await perError(withStack) });
  const chain = median(rows.map((r) => r.chain));
  const shedUs = median(rows.map((r) => r.shed)) - chain;
  const stackUs = median(rows.map((r) => r.stack)) - chain;
  console.log(`an error made 16 awaits deep (${ROUNDS} alternating rounds of ${N.toLocaleString('en-US')}; medians, the chain's own cost taken out)`);
  console.log(`${'with a stack trace (baseline)'.padEnd(40)} ${stackUs.toFixed(2)} µs`);
  console.log(`${'ShedError (none)'.padEnd(40)} ${shedUs.toFixed(2)} µs   (${(stackUs / Math.max(shedUs, 0.01)).toFixed(1)}× less)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
