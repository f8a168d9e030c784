/**
 * `npm run bench [-- NAME…]`: runs every benchmark in bench/ (or those named), one after the other.
 * A module that exports `async function run()` is imported and run; any other .ts benchmark is run as
 * its own process (`node --import tsx bench/x.ts`). Helpers named `serve-*.ts` are not benchmarks.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !/^serve-/.test(f))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
  .sort();

let failed = 0;
for (const file of files) {
  const full = path.join(dir, file);
  console.log(`\n=== bench/${file}`);
  if (/export\s+async\s+function\s+run\s*\(/.test(readFileSync(full, 'utf8'))) {
    try {
      const mod = (await import(pathToFileURL(full).href)) as { run?: () => Promise<void> };
      await mod.run?.();
    } catch (err) {
      failed++;
      console.log(`bench/${file} failed: ${(err as Error).stack ?? String(err)}`);
    }
  } else {
    const r = spawnSync(process.execPath, ['--import', 'tsx', full], { stdio: 'inherit' });
    if (r.status !== 0) {
      failed++;
      console.log(`bench/${file} exited with ${r.status ?? r.signal}`);
    }
  }
}
if (files.length === 0) console.log(`no benchmark matches ${wanted.join(', ')}`);
process.exitCode = failed ? 1 : 0;
