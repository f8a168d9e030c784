// `bento build --type-check` from the command line: a type error stops the build with its place and code
// frame on stderr and nothing stored; without the flag the same project builds (types are only stripped).
import t from 'tap';
import { bento } from '../kit/cli.js';
import { makeModel } from '../kit/model.js';
import { copyActivitiesProject, ROOT, tempHome } from '../kit/project.js';
import path from 'node:path';

t.test('bento build --type-check refuses a service with a type error, naming its place', async (t) => {
  const home = await tempHome(t);
  await makeModel();
  const dir = await copyActivitiesProject(t, {
    'service.ts': `export { svc, FEATURES } from ${JSON.stringify(path.join(ROOT, 'service.js'))};\nexport const limit: number = '10';\n`,
  });
  const refused = await bento(['build', '--project', dir, '--type-check'], { home });
  t.equal(refused.code, 1);
  t.equal(refused.stdout, '', 'no tag');
  t.match(refused.stderr, /^BAD_SERVICE: service\.ts:2:14: type error TS2322: Type 'string' is not assignable to type 'number'\.\n/);
  t.match(refused.stderr, /> 2 \| export const limit: number = '10';\n\s+\|\s{14}\^/, 'the code frame');
  t.same(JSON.parse((await bento(['list', '-o', 'json'], { home })).stdout), [], 'nothing stored');

  const built = await bento(['build', '--project', dir], { home });
  t.equal(built.code, 0, `without --type-check it builds: ${built.stderr}`);
  t.match(built.stdout, /^activities_model:[0-9a-f]{16}\n$/);
  const help = await bento(['build', '--help'], { home });
  t.match(help.stdout, /--type-check\s+type-check the service's TypeScript first/);
});

t.test('bento build --type-check builds a service without type errors', async (t) => {
  const home = await tempHome(t);
  await makeModel();
  const dir = await copyActivitiesProject(t);
  const built = await bento(['build', '--project', dir, '--type-check'], { home });
  t.equal(built.code, 0, built.stderr);
  t.match(built.stdout, /^activities_model:[0-9a-f]{16}\n$/);
  t.equal(built.stderr, '', 'no warning: it was checked');
});
