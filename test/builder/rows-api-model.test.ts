// A rows API over a model that does not take rows of features (an ONNX model with other inputs, imported as
// any model can be) is refused by `bento build`, naming the API, the model and its inputs, and pointing to
// handler APIs: not a bento that would fail readiness once served.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { PROJECT } from '../kit/bento.js';
import { bento } from '../kit/cli.js';
import { mixedInputsOnnx } from '../kit/onnx-fixtures.js';
import { tempDir } from '../kit/project.js';

const SDK = JSON.stringify(path.join(PROJECT, 'src', 'sdk', 'index.ts'));

t.test('bento build refuses a rows API over a model without a rows input, in one line', { timeout: 90_000 }, async (t) => {
  const dir = await tempDir(t, 'bento-rows-api-');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
  writeFileSync(path.join(dir, 'mixed.onnx'), mixedInputsOnnx());
  const service = `import { api, service } from ${SDK};
export const svc = service({
  name: 'mixed_service',
  models: { mixed: 'mixed:latest' },
  apis: {
    predict: api({ input: { type: 'array' }, output: { type: 'array' }, preprocess: () => ({ data: new Float32Array(0), count: 0, width: 0 }) }),
  },
});
`;
  writeFileSync(path.join(dir, 'service.ts'), service);
  writeFileSync(path.join(dir, 'bentofile.yaml'), 'service: service.ts:svc\ninclude:\n  - service.ts\n');
  mkdirSync(path.join(dir, 'models'));
  const imported = await bento(['models', 'import', 'mixed.onnx'], { home: dir, cwd: dir });
  t.equal(imported.code, 0, imported.stderr);

  const built = await bento(['build'], { home: dir, cwd: dir });
  t.equal(built.code, 1, 'a non-zero exit');
  const lines = built.stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line: ${built.stderr}`);
  t.match(lines[0], /^BAD_CONFIG: service "mixed_service", api "predict": model mixed:\S+ does not take rows of features \(its inputs: a int64 \[N\]; flag bool \[N\]; text string \[N\]\); serve it through a handler API/);
  const listed = await bento(['list', '-o', 'json'], { home: dir, cwd: dir });
  t.same(JSON.parse(listed.stdout), [], 'no bento was written');
});
