import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../kit/project.js';
import { generateActivities, HEADER, pyRound2, quality, speedHundredths } from '../../data/generate.js';
import { parseCsv } from '../../src/pipeline/csv.js';
import { MT19937 } from '../../src/forest/random.js';
import { PROJECT_DATA, python, SEED_DATA, sklearnMissing } from '../kit/python.js';

/** Rows of a CSV of the activities schema that break either formula of the seed README. */
function formulaViolations(text: string): string[] {
  const { header, rows, lines } = parseCsv(text, 'data.csv');
  const col = (name: string): number => header.indexOf(name);
  const bad: string[] = [];
  rows.forEach((r, i) => {
    const [d, dur, s, c, cl, hr, q] = ['Distance (km)', 'Duration', 'Average Speed (km/h)', 'Calories Burned', 'Climb (m)', 'Average Heart rate (tpm)', 'Quality'].map((n) => Number(r[col(n)]));
    const speedOk = Math.round(s! * 100) === speedHundredths(Math.round(d! * 100), dur!) && Math.round(s! * 100) / 100 === s;
    const qualityOk = quality(d!, s!, c!, cl!, hr!) === q;
    if (!speedOk || !qualityOk) bad.push(`line ${lines[i]}: ${r.join(',')}`);
  });
  return bad;
}

t.test('every generated row follows both formulas', async (t) => {
  for (const [rows, seed] of [[1000, 2024], [5000, 7]] as const) {
    const text = generateActivities(rows, seed);
    t.equal(text.split('\n')[0], HEADER);
    t.equal(parseCsv(text, 'g.csv').rows.length, rows);
    t.same(formulaViolations(text), [], `seed ${seed}: no violations`);
  }
});

t.test('the checker itself agrees with the seed data (all 1000 rows)', { skip: existsSync(SEED_DATA) ? undefined : `${SEED_DATA} missing` }, async (t) => {
  t.same(formulaViolations(readFileSync(SEED_DATA, 'utf8')), []);
  // and it does catch a wrong value
  const broken = readFileSync(SEED_DATA, 'utf8').replace(/,(\d+\.\d+)\n/, (_, q: string) => `,${(Number(q) + 0.01).toFixed(2)}\n`);
  t.equal(formulaViolations(broken).length, 1);
});

t.test('deterministic: the same seed gives the same bytes, and the committed data is seed 2024', async (t) => {
  t.equal(generateActivities(300, 5), generateActivities(300, 5));
  t.not(generateActivities(300, 5), generateActivities(300, 6));
  t.equal(readFileSync(PROJECT_DATA, 'utf8'), generateActivities(1000, 2024), 'data/01_raw/DATA.csv = generate --rows 1000 --seed 2024');
  const { rows, header } = parseCsv(readFileSync(PROJECT_DATA, 'utf8'), 'DATA.csv');
  const types = new Set(rows.map((r) => r[header.indexOf('Type')]));
  t.same([...types].sort(), ['Cycling', 'Other', 'Running', 'Walking']);
  const ids = new Set(rows.map((r) => r[header.indexOf('Activity ID')]));
  t.equal(ids.size, rows.length, 'unique ids');
  t.ok(rows.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(r[1]!)), 'uuid v4 shaped ids');
  t.ok(rows.every((r) => Number(r[header.indexOf('Average Speed (km/h)')]) > 0), 'speed never 0');
});

t.test('the command line writes the file it is asked to', async (t) => {
  const dir = await tempDir(t, 'bento-generate-');
  const out = path.join(dir, 'd.csv');
  const script = new URL('../../data/generate.ts', import.meta.url).pathname;
  execFileSync(process.execPath, ['--import', 'tsx', script, '--rows', '5', '--seed', '1', '--out', out], { stdio: 'pipe' });
  t.equal(readFileSync(out, 'utf8'), generateActivities(5, 1));
});

t.test("pyRound2 is Python's round(x, 2)", { skip: sklearnMissing() }, async (t) => {
  const values = [0.125, 0.375, 2.675, 1.005, 0.095, 4.935, 1087.025, 12.5, 0.005, 2.5e-3, 1 / 3];
  const rng = new MT19937(3);
  for (let i = 0; i < 300; i++) values.push(rng.randint(0, 1e6) / 8000, rng.random() * 1000); // many exact ties (k/8)
  const ref = python<number[]>(`import json, sys; print(json.dumps([round(v, 2) for v in json.loads(sys.argv[1])]))`, JSON.stringify(values));
  t.same(values.map(pyRound2), ref);
});
