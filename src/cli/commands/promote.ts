/** `bento promote TAG`: the running production servers of the bento's service switch to it without downtime. */
import { promoteServing } from '../../bridge/promote.js';
import { BentoError } from '../../errors.js';
import { OUTPUT_OPTION, outputFormat, type Command } from '../command.js';
import { json } from '../output.js';

export const promote: Command = {
  summary: 'switch the running `bento serve … --production` servers of a service to another bento, without downtime',
  usage: 'promote TAG [--tolerance X] [-o json]',
  help: [
    'Finds the servers through $BENTO_HOME/serving/ and asks each (a request file and SIGHUP): new workers start',
    'on TAG, answer recorded inputs with finite numbers (and, with --tolerance, within that relative change of',
    'the old answers), take traffic, then the old workers drain. A server that refuses keeps its old bento and',
    'the command exits 1 with the reason.',
  ].join('\n'),
  options: {
    tolerance: { type: 'string', arg: 'X', description: "largest relative change of the golden answers from the old model's (default: not compared)" },
    ...OUTPUT_OPTION,
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const raw = typeof values.tolerance === 'string' ? values.tolerance : undefined;
    const tolerance = raw === undefined ? undefined : Number(raw);
    if (tolerance !== undefined && !(tolerance >= 0)) throw new BentoError('BAD_ARGUMENT', `--tolerance must be a number ≥ 0, not "${raw}"`);
    const asJson = outputFormat(values) === 'json';
    const out = await promoteServing(positionals[0]!, (m) => (asJson ? undefined : process.stderr.write(`${m}\n`)), tolerance !== undefined ? { tolerance } : {});
    if (asJson) return json(out);
    for (const p of out) process.stdout.write(`${p.url}  ${p.outcome.from} → ${p.outcome.bento}  ${p.outcome.state} in ${p.outcome.duration_ms} ms\n`);
  },
};
