/**
 * A deterministic generator of activities data with the seed data's schema, ranges and its two exact
 * formulas, so the project ships its own training set (data/01_raw/DATA.csv):
 *   Average Speed = round_half_up(Distance / floor(Duration / 60), 2)   (on the exact decimal quotient)
 *   Quality       = round(Distance * Calories * Climb / (Speed * HeartRate * 500), 2)   (Python's round)
 *
 * Usage: node --import tsx data/generate.ts [--rows 1000] [--seed 2024] [--out data/01_raw/DATA.csv]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MT19937 } from '../src/forest/random.js';

export const HEADER = 'Date,Activity ID,Type,Distance (km),Duration,Average Speed (km/h),Calories Burned,Climb (m),Average Heart rate (tpm),Quality';
const TYPES = ['Running', 'Cycling', 'Walking', 'Other'];
const FIRST_DAY = Date.UTC(2020, 7, 1); // 2020-08-01, the seed's first date
const DAYS = 765; // to 2022-09-04, the seed's last

/** Python's `round(x, 2)` on a double: the nearest 2-decimal value, exact ties (x = odd/8) to even. */
export function pyRound2(x: number): number {
  const eighths = x * 8; // exact
  if (Number.isInteger(eighths) && eighths % 2 !== 0) {
    const n = Math.floor(x * 100); // x * 100 is exactly n + 0.5 here
    return (n % 2 === 0 ? n : n + 1) / 100;
  }
  return Number(x.toFixed(2)); // toFixed rounds the exact binary value, so only exact ties differ
}

/** Speed in hundredths: the exact quotient distance/minutes rounded half up (integers only, no float error). */
export function speedHundredths(distanceHundredths: number, durationSeconds: number): number {
  const minutes = Math.floor(durationSeconds / 60);
  if (minutes < 1) throw new RangeError(`duration ${durationSeconds}s is under a minute: speed undefined`);
  return Math.floor((2 * distanceHundredths + minutes) / (2 * minutes));
}

/** Quality from the (parsed) column values, as the seed computed it. */
export function quality(distance: number, speed: number, calories: number, climb: number, heartRate: number): number {
  return pyRound2((distance * calories * climb) / (speed * heartRate * 500));
}

/** A number as Python writes a float (20 → "20.0", 9.53 → "9.53"), like the seed's CSV. */
export function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function uuid(rng: MT19937): string {
  const hex = Array.from({ length: 32 }, () => rng.randint(0, 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[rng.randint(0, 4)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Generates `rows` activities (CSV text with header); the same seed gives the same bytes. */
export function generateActivities(rows: number, seed: number): string {
  const rng = new MT19937(seed);
  const lines = [HEADER];
  for (let r = 0; r < rows; r++) {
    const date = new Date(FIRST_DAY + rng.randint(0, DAYS) * 86_400_000).toISOString().slice(0, 10);
    const id = uuid(rng);
    const type = TYPES[rng.randint(0, TYPES.length)]!;
    const d100 = rng.randint(200, 3001); // 2.00–30.00 km
    const duration = rng.randint(60, 3600); // at least one minute, so the speed is defined
    const s100 = speedHundredths(d100, duration); // ≥ 3 with these ranges: never 0
    const calories = rng.randint(500, 1501);
    const climb = rng.randint(1, 500);
    const heartRate = rng.randint(60, 151);
    const distance = d100 / 100;
    const speed = s100 / 100;
    const q = quality(distance, speed, calories, climb, heartRate);
    lines.push([date, id, type, pyFloat(distance), duration, pyFloat(speed), calories, climb, heartRate, pyFloat(q)].join(','));
  }
  return lines.join('\n') + '\n';
}

function main(): void {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '2024' },
      out: { type: 'string', default: fileURLToPath(new URL('./01_raw/DATA.csv', import.meta.url)) },
    },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${values.rows}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`--seed must be an integer in [0, 2^32 - 1], got ${values.seed}`);
  mkdirSync(path.dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, generateActivities(rows, seed));
  process.stderr.write(`wrote ${rows} rows to ${values.out}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
