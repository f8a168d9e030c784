// The package as a user gets it: `npm pack` (compiled JavaScript and .d.ts, built by prepack), installed into a
// fresh project in a temp folder, whose own service.ts imports `bento-ts/sdk` and `bento-ts`, and whose own
// script calls the served bento with `bento-ts/client`: train a regressor and import someone else's ONNX
// classifier (ZipMap probabilities, string labels) → build → serve → typed client calls of a rows API and of
// a handler API over the classifier, and a KServe V2 infer request, through the installed `bento` bin, plus a
// type check of the project against the package's declarations.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { bento } from '../kit/cli.js';
import { PROJECT, spawnServer, waitForStatus } from '../kit/bento.js';
import { alone } from '../kit/http.js';
import { freePort } from '../kit/ports.js';
import { packAndInstall, run } from '../kit/installed-package.js';
import { tempDir } from '../kit/project.js';
import { classifierReference, treeClassifierOnnx } from '../kit/onnx-fixtures.js';

const SERVICE = `import { api, service, BentoError } from 'bento-ts/sdk';
import { recordsToRows, type Records } from 'bento-ts';

type Point = { x: number; y: number };
type Verdict = { label: string; p: number };

export const svc = service({
  name: 'houses',
  models: { regressor: 'houses:latest', kind: 'kinds:latest' },
  apis: {
    predict: api<Records, number[]>({
      model: 'regressor',
      input: { type: 'array', items: { type: 'object', required: ['rooms', 'area', 'age'] } },
      output: { type: 'array', items: { type: 'number' } },
      batchable: true,
      preprocess: recordsToRows('regressor'),
    }),
    // A handler over an imported classifier: its ZipMap probabilities become the most probable label.
    classify: api<Point[], Verdict[]>({
      input: { type: 'array', items: { type: 'object', required: ['x', 'y'], properties: { x: { type: 'number' }, y: { type: 'number' } } } },
      output: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' }, p: { type: 'number' } } } },
      batchable: true,
      handler: async (points, ctx) => {
        if (points.some((q) => q.x > 100)) throw new BentoError('INVALID_INPUT', 'x is at most 100');
        const out = await ctx.models.kind!.run({ X: points.map((q) => [q.x, q.y]) });
        return (out.output_probability as Array<Record<string, number>>).map((m) => {
          const [label, p] = Object.entries(m).reduce((a, b) => (b[1] > a[1] ? b : a));
          return { label, p };
        });
      },
    }),
  },
});
`;

// npm init's default: a project without "type": "module", whose service.ts is CommonJS and requires its own
// copy of the package (tsx compiles the ESM build for require): its handler's BentoError must still be a 400.
const CJS_SERVICE = `import { api, service, BentoError } from 'bento-ts/sdk';

export const svc = service({
  name: 'plain',
  models: { kind: 'kinds:latest' },
  apis: {
    double: api({
      input: { type: 'array', items: { type: 'number' } },
      output: { type: 'array', items: { type: 'number' } },
      handler: async (xs: number[]) => {
        if (xs.some((x) => x < 0)) throw new BentoError('INVALID_INPUT', 'no negative numbers');
        return xs.map((x) => 2 * x);
      },
    }),
  },
});
`;

// The caller's side, type-checked: predict takes the API's input type and answers its output type.
const CALL = `import { BentoClient, ServerError } from 'bento-ts/client';
import type { svc } from './service.js';

const client = new BentoClient<typeof svc>(process.argv[2]!);
await client.ready({ timeoutMs: 30_000 });
const answer: number[] = await client.predict([{ rooms: 3, area: 80, age: 10 }, { rooms: 5, area: 150, age: 2 }]);
// @ts-expect-error a string is not the API's input
if (process.argv[3] === 'never') await client.predict('not records');
const bad = await client.predict([{ rooms: 'three' }]).catch((e: unknown) => e);
const verdicts: Array<{ label: string; p: number }> = await client.classify([{ x: 0.2, y: 0.9 }, { x: 0.9, y: 0.1 }, { x: 0.9, y: 0.9 }]);
const refused = await client.classify([{ x: 101, y: 0 }]).catch((e: unknown) => e);
// The same classifier through the Open Inference Protocol, as a KServe client would call it.
const v2 = await (await fetch(process.argv[2] + '/v2/models/kinds/infer', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'r1', inputs: [{ name: 'X', shape: [2, 2], datatype: 'FP32', data: [0.2, 0.9, 0.9, 0.1] }], outputs: [{ name: 'output_label' }] }),
})).json();
console.log(JSON.stringify({ answer, badCode: bad instanceof ServerError ? bad.code : String(bad), verdicts, refusedCode: refused instanceof ServerError ? refused.code : String(refused), v2 }));
await client.close();
`;

t.test('npm pack → install into a fresh project → its own service trains, builds, serves and answers the typed client', { timeout: 600_000 }, async (t) => {
  const work = await tempDir(t, 'bento-pack-');
  const got = await packAndInstall(work);
  if (!got.ok && got.offline) {
    t.comment(`skipped: npm could not reach the registry for the dependencies' metadata: ${got.out.split('\n').find((l) => /ERR|error/.test(l))}`);
    return;
  }
  if (!got.ok) {
    t.fail(`npm ${got.step} failed: ${got.out.slice(-400)}`, { step: got.step });
    return;
  }
  const { tarball, app, bin } = got;
  const listing = await run('tar', ['-tzf', tarball], work);
  t.match(listing.out, /package\/dist\/index\.js/, 'compiled JavaScript (prepack compiles dist/)');
  t.match(listing.out, /package\/dist\/client\/index\.d\.ts/, 'type declarations');
  t.notMatch(listing.out, /package\/src\/|package\/test\//, 'no sources or tests');

  const rows = ['rooms,area,age,price'];
  for (let i = 0; i < 200; i++) {
    const [r, a, g] = [1 + (i % 7), 20 + ((i * 37) % 180), (i * 13) % 80];
    rows.push(`${r},${a},${g},${(r * 10 + a * 2 - g * 0.5).toFixed(2)}`);
  }
  await fs.writeFile(path.join(app, 'houses.csv'), rows.join('\n') + '\n');
  // Someone else's model: an ONNX classifier as scikit-learn converters write it (made here, not downloaded).
  await fs.writeFile(path.join(app, 'kinds.onnx'), treeClassifierOnnx({ labels: ['small', 'medium', 'large'], zipMap: true }));
  await fs.writeFile(path.join(app, 'service.ts'), SERVICE);
  await fs.writeFile(path.join(app, 'call.ts'), CALL);
  await fs.writeFile(path.join(app, 'bentofile.yaml'), 'service: service.ts:svc\nname: houses\ninclude:\n  - service.ts\n');
  await fs.writeFile(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }),
  );
  const typecheck = await run(process.execPath, [path.join(PROJECT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
  t.equal(typecheck.code, 0, `the project type-checks against the package's declarations ${typecheck.out}`);

  const trained = await bento(['train', '--data', 'houses.csv', '--target', 'price'], { home: app, bin });
  t.equal(trained.code, 0, trained.stderr);
  const imported = await bento(['models', 'import', 'kinds.onnx'], { home: app, bin });
  t.equal(imported.code, 0, imported.stderr);
  t.match(imported.stdout, /kinds:/, 'stored under the file name');
  const built = await bento(['build'], { home: app, bin });
  t.equal(built.code, 0, built.stderr);
  t.match(built.stdout, /^houses:[0-9a-f]{16}$/m);

  const port = await freePort();
  // An installed CLI runs the bento in its own process (no second Node start), here as a production primary.
  const served = await spawnServer(process.execPath, [bin, 'serve', 'houses:latest', '--production', '--workers', '1', '--port', String(port), '--host', '127.0.0.1'], { BENTO_HOME: app }, app);
  // SIGTERM, so the primary stops its worker (a SIGKILL would orphan that one).
  t.teardown(async () => {
    served.child.kill('SIGTERM');
    await served.exited;
  });
  const called = await run(process.execPath, ['--import', 'tsx', 'call.ts', `http://127.0.0.1:${port}`], app);
  t.equal(called.code, 0, called.out);
  const out = JSON.parse(called.out.trim().split('\n').pop()!) as {
    answer: number[];
    badCode: string;
    verdicts: Array<{ label: string; p: number }>;
    refusedCode: string;
    v2: { id: string; model_name: string; outputs: Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }> };
  };
  t.equal(out.answer.length, 2);
  t.ok(out.answer.every(Number.isFinite) && out.answer[1]! > out.answer[0]!, 'a bigger, newer house is predicted dearer');
  t.equal(out.badCode, 'INVALID_INPUT', "a typed error with the server's code");
  const names = ['small', 'medium', 'large'];
  const expected = ([[0.2, 0.9], [0.9, 0.1], [0.9, 0.9]] as Array<[number, number]>).map((x) => classifierReference(x));
  t.same(out.verdicts.map((v) => v.label), expected.map((e) => names[e.index]), "the handler's labels are the classifier's");
  t.ok(out.verdicts.every((v, i) => Math.abs(v.p - Math.max(...expected[i]!.probabilities)) < 1e-6), 'with their probabilities');
  t.equal(out.refusedCode, 'INVALID_INPUT', "the handler's own BentoError reaches the client with its code");
  t.equal(out.v2.id, 'r1', 'V2 echoes the id');
  t.same(out.v2.outputs.map((o) => [o.name, o.datatype, o.shape, o.data]), [['output_label', 'BYTES', [2], ['small', 'medium']]], 'V2 answers the selected output');
  served.child.kill('SIGTERM');
  t.same(await served.exited, { code: 0, signal: null }, 'SIGTERM: the server drains its worker and exits 0');

  // A CommonJS project beside it (its own package.json without "type"), served from its sources — where the
  // CLI's copy of the package meets the service's — and built.
  const plain = path.join(app, 'plain');
  await fs.mkdir(plain);
  await fs.writeFile(path.join(plain, 'package.json'), JSON.stringify({ name: 'plain', version: '1.0.0' }));
  await fs.writeFile(path.join(plain, 'service.ts'), CJS_SERVICE);
  await fs.writeFile(path.join(plain, 'bentofile.yaml'), 'service: service.ts:svc\n');
  const plainPort = await freePort();
  const dev = await spawnServer(process.execPath, [bin, 'serve', '.', '--port', String(plainPort), '--host', '127.0.0.1'], { BENTO_HOME: app }, plain);
  t.teardown(async () => {
    dev.child.kill('SIGTERM');
    await dev.exited;
  });
  await waitForStatus(`http://127.0.0.1:${plainPort}/readyz`);
  const doubled = await alone(`http://127.0.0.1:${plainPort}/double`, 'POST', [1, 2]);
  t.same([doubled.status, doubled.body], [200, [2, 4]], 'a CommonJS service.ts is served from its sources');
  const refused = await alone(`http://127.0.0.1:${plainPort}/double`, 'POST', [1, -2]);
  t.same([refused.status, refused.body.code], [400, 'INVALID_INPUT'], "its handler's BentoError, from its own copy of the package, is a 400");
  const plainBuilt = await bento(['build'], { home: app, bin, cwd: plain });
  t.equal(plainBuilt.code, 0, plainBuilt.stderr);
  t.match(plainBuilt.stdout, /^plain:[0-9a-f]{16}$/m, 'and built');
});
