// The one reader of model.yaml (store, import, runtime) and the one signature helper.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import type { ModelInfo } from '../../src/models/model-info.js';
import { getModel } from '../../src/models/model-store.js';
import { checkModelInfo, readModelInfo, stringifyModelInfo } from '../../src/models/model-yaml.js';
import { rowsSignature } from '../../src/models/signature.js';
import { tempDir, tempHome } from '../kit/project.js';
import { rejectsWith, saveTiny } from '../kit/helpers.js';

type Change = (d: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

t.test('rowsSignature: N rows of n float32 features in, one float32 per row out', async (t) => {
  t.same(rowsSignature(5), {
    inputs: [{ name: 'input', shape: ['N', 5], dtype: 'float32' }],
    outputs: [{ name: 'variable', shape: ['N', 1], dtype: 'float32' }],
  });
  t.same(rowsSignature(2, { inputName: 'X', inputShape: ['?', 2], outputNames: ['a', 'b'] }), {
    inputs: [{ name: 'X', shape: ['?', 2], dtype: 'float32' }],
    outputs: [
      { name: 'a', shape: ['N', 1], dtype: 'float32' },
      { name: 'b', shape: ['N', 1], dtype: 'float32' },
    ],
  });
});

t.test('what the store writes, readModelInfo reads back; mistakes are BAD_MODEL naming the field', async (t) => {
  await tempHome(t);
  const saved = await saveTiny();
  const { dir } = await getModel(`tiny:${saved.version}`);
  t.same(readModelInfo(dir), saved);
  t.equal(stringifyModelInfo(readModelInfo(dir)), await fs.readFile(path.join(dir, 'model.yaml'), 'utf8'));
  const good = YAML.parse(await fs.readFile(path.join(dir, 'model.yaml'), 'utf8')) as ModelInfo;
  const cases: Array<[string, Change, RegExp]> = [
    ['bad name', (d) => (d.name = '../x'), /name is missing or not a valid model name/],
    ['no version', (d) => delete d.version, /version/],
    ['model_file outside', (d) => (d.model_file = '../../x.onnx'), /model_file/],
    ['no signature', (d) => delete d.signature, /signature is missing/],
    ['bad dtype', (d) => (d.signature.inputs[0].dtype = 'float33'), /signature\/inputs\/0 needs .*dtype/],
    ['bad non-tensor dtype', (d) => (d.signature.outputs[0].dtype = 'seq(map(float32,float32))'), /signature\/outputs\/0/],
    ['unclosed dtype', (d) => (d.signature.outputs[0].dtype = 'seq(map(int64,float32)'), /signature\/outputs\/0/],
    ['task', (d) => (d.task = 'clustering'), /task is neither regressor nor classifier/],
    ['class_labels', (d) => (d.class_labels = [1, 'b']), /class_labels is not a list of strings or a list of integers/],
    ['features', (d) => (d.features = 'a,b'), /features is not a list of names/],
    ['preprocessing fill', (d) => (d.preprocessing = { features: ['a', 'b'], target: 'y', rules: [], fill: { b: 'high' } }), /preprocessing\/fill\/b is not a finite number/],
    ['preprocessing features', (d) => (d.preprocessing = { features: ['b', 'a'], target: 'y', rules: [], fill: {} }), /preprocessing\/features does not list the model's features in order/],
    ['preprocessing rule', (d) => (d.preprocessing = { features: ['a', 'b'], target: 'y', rules: [{ clip: 'a' }], fill: {} }), /preprocessing\/rules\/0\/clip needs min, max or both/],
    ['files', (d) => (d.files = { 'model.onnx': 'abc' }), /files\/model\.onnx is not a sha256 digest/],
  ];
  for (const [what, change, message] of cases) {
    const d = structuredClone(good) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    change(d);
    t.throws(() => checkModelInfo(d, 'm/model.yaml'), { code: 'BAD_MODEL', message }, what);
  }
  // What import writes for any ONNX model reads back: element types, non-tensor outputs, task, class labels.
  const wider = structuredClone(good) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  wider.signature = {
    inputs: [{ name: 'ids', shape: ['N', '?'], dtype: 'int64' }, { name: 'mask', shape: [], dtype: 'bool' }],
    outputs: [{ name: 'output_label', shape: ['N'], dtype: 'string' }, { name: 'output_probability', shape: [], dtype: 'seq(map(string,float32))' }],
  };
  Object.assign(wider, { task: 'classifier', class_labels: ['a', 'b'], features: [] });
  delete wider.preprocessing;
  t.same(checkModelInfo(YAML.parse(YAML.stringify(wider)), 'm/model.yaml'), wider, 'the new fields read back');
  await fs.writeFile(path.join(dir, 'model.yaml'), 'name: [');
  t.throws(() => readModelInfo(dir), { code: 'BAD_MODEL', message: /model\.yaml is not valid YAML/ });
  await rejectsWith(t, getModel('tiny'), 'BAD_MODEL', 'model.yaml');
  const empty = await tempDir(t);
  t.throws(() => readModelInfo(empty), { code: 'FILE_NOT_FOUND', message: /has no model\.yaml/ });
});
