// `bento build --type-check`: the service's TypeScript checked as tsc checks it, errors told with their place
// and code frame, only in the project's own files, under the project's tsconfig.json.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { typeCheck, typeErrors } from '../../src/builder/type-check.js';
import { ROOT, tempDir, type Teardown } from '../kit/project.js';

/** A project folder with `files` (relative path → content). */
async function project(t: Teardown, files: Record<string, string>): Promise<string> {
  const dir = await tempDir(t, 'bento-typecheck-');
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  return dir;
}

const FRAMEWORK = JSON.stringify(path.join(ROOT, 'service.js'));

t.test('a type error in the service is reported at its place, with the code frame', async (t) => {
  const dir = await project(t, {
    'service.ts': `export { svc } from ${FRAMEWORK};\nimport { helper } from './lib/helper.js';\nexport const n: number = helper(2);\n`,
    'lib/helper.ts': `export function helper(x: number): string {\n  return String(x);\n}\nconst flag: boolean = 'yes';\nexport { flag };\n`,
  });
  const r = typeCheck(dir, path.join(dir, 'service.ts'));
  t.ok(r.checked);
  if (!r.checked) return;
  t.same(
    r.problems.map((p) => [path.relative(dir, p.file), p.line, p.column, p.code]),
    [
      ['lib/helper.ts', 4, 7, 'TS2322'],
      ['service.ts', 3, 14, 'TS2322'],
    ],
    'both errors, in imported files too, and none in the framework the service imports by path',
  );
  t.ok(r.files > 20, `the framework's own files were loaded to check against (${r.files} files)`);
  const err = typeErrors(dir, r.problems);
  t.equal(err.code, 'BAD_SERVICE');
  const lines = err.message.split('\n');
  t.equal(lines[0], "lib/helper.ts:4:7: type error TS2322: Type 'string' is not assignable to type 'boolean'.");
  t.match(err.message, /> 4 \| const flag: boolean = 'yes';\n\s+\|\s{7}\^/, 'the frame, with a caret under the column');
  t.match(err.message, /^service\.ts:3:14: type error TS2322: Type 'string' is not assignable to type 'number'\.$/m, 'the next error on a line of its own');
  t.match(lines.at(-1), /^\(2 type errors; bento build without --type-check builds anyway\)$/);
});

t.test('a clean service has no problems; a JavaScript service is not checked', async (t) => {
  const dir = await project(t, { 'service.ts': `export { svc } from ${FRAMEWORK};\n`, 'app.js': 'export const x = 1;\n' });
  const r = typeCheck(dir, path.join(dir, 'service.ts'));
  t.same(r.checked && r.problems, [], 'no problems');
  t.same(typeCheck(dir, path.join(dir, 'app.js')), { checked: false, why: 'app.js is JavaScript' });
});

t.test("the project's tsconfig.json decides the rules; its own errors are reported", async (t) => {
  const service = 'export function twice(x) {\n  return x * 2;\n}\n';
  const strict = await project(t, { 'service.ts': service });
  const loose = await project(t, { 'service.ts': service, 'tsconfig.json': JSON.stringify({ compilerOptions: { strict: false, module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: true } }) });
  const implicitAny = (dir: string) => {
    const r = typeCheck(dir, path.join(dir, 'service.ts'));
    return r.checked ? r.problems.map((p) => `${p.code} ${p.line}:${p.column}`) : r.why;
  };
  t.same(implicitAny(strict), ['TS7006 1:23'], 'without a tsconfig: strict, so an implicit any is an error');
  t.same(implicitAny(loose), [], 'the project says strict: false');
  const bad = await project(t, { 'service.ts': service, 'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, target: 'ES1066' } }) });
  const r = typeCheck(bad, path.join(bad, 'service.ts'));
  t.ok(r.checked && r.problems.some((p) => p.file.endsWith('tsconfig.json') && /target/.test(p.message)), 'a bad tsconfig option is reported in the tsconfig');
});
