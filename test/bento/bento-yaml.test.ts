// The one reader and writer of bento.yaml: every field everything else relies on is checked, with the
// same error code wherever it is read; the writer refuses what the reader would.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import type { BentoInfo } from '../../src/bento/bento-info.js';
import { checkBentoInfo, loadBentoInfo, parseBentoInfo, stringifyBentoInfo } from '../../src/bento/bento-yaml.js';
import { tempDir } from '../kit/project.js';
import { layBento } from '../kit/lay-bento.js';

type Change = (d: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

t.test('what the builder writes reads back the same', async (t) => {
  const dir = await layBento(await tempDir(t));
  const text = await fs.readFile(path.join(dir, 'bento.yaml'), 'utf8');
  const info = loadBentoInfo(dir);
  t.equal(stringifyBentoInfo(info), text, 'write(read(x)) is x');
  t.same(parseBentoInfo(text, 'x'), info);
  t.equal(info.runtime.entry, 'src/service.cjs');
  t.same(info.apis.map((a) => [a.name, a.batchable, a.max_batch_size, a.max_latency_ms]), [['predict', false, 100, 1000]], 'the settings as service() resolved them');
});

t.test('each field is checked, named in the error, with one code per kind of mistake', async (t) => {
  const dir = await layBento(await tempDir(t));
  const good = YAML.parse(await fs.readFile(path.join(dir, 'bento.yaml'), 'utf8')) as BentoInfo;
  const cases: Array<[string, Change, string, RegExp]> = [
    ['bad name', (d) => (d.name = 'Bad Name'), 'BAD_ARCHIVE', /name is missing or not a valid bento name/],
    ['version latest', (d) => (d.version = 'latest'), 'BAD_ARCHIVE', /version/],
    ['no creation_time', (d) => delete d.creation_time, 'BAD_ARCHIVE', /creation_time is missing/],
    ['labels not strings', (d) => (d.labels = { a: 1 }), 'BAD_ARCHIVE', /labels\/a is not a string/],
    ['file outside', (d) => (d.files['../escape'] = 'a'.repeat(64)), 'BAD_ARCHIVE', /files\/\.\.\/escape is not a relative path inside the bento/],
    ['bad digest', (d) => (d.files['README.md'] = 'xyz'), 'BAD_ARCHIVE', /files\/README\.md is not a sha256 digest/],
    ['model tag without version', (d) => (d.models[0].tag = 'activities_regressor'), 'BAD_ARCHIVE', /models\/0\/tag is not a valid model tag/],
    ['model digest', (d) => (d.models[0].digest = 'sha256:00'), 'BAD_ARCHIVE', /models\/0\/digest/],
    ['api without route', (d) => delete d.apis[0].route, 'BAD_ARCHIVE', /apis\/0\/route/],
    ['api on an unknown model', (d) => (d.apis[0].model = 'other'), 'BAD_ARCHIVE', /apis\/0\/model/],
    ['api settings missing', (d) => delete d.apis[0].max_batch_size, 'BAD_ARCHIVE', /apis\/0\/max_batch_size is missing/],
    ['max_batch_size 0', (d) => (d.apis[0].max_batch_size = 0), 'BAD_CONFIG', /api "predict": max_batch_size must be a whole number ≥ 1/],
    ['max_latency_ms -1', (d) => (d.apis[0].max_latency_ms = -1), 'BAD_CONFIG', /max_latency_ms/],
    ['batchable "yes"', (d) => (d.apis[0].batchable = 'yes'), 'BAD_CONFIG', /batchable must be true or false/],
    ['traffic timeout', (d) => (d.traffic.timeout = 0), 'BAD_CONFIG', /traffic\.timeout/],
    ['traffic unknown key', (d) => (d.traffic.speed = 1), 'BAD_CONFIG', /traffic\.speed is not a known setting/],
    ['envs', (d) => (d.envs = [{ name: 'A' }]), 'BAD_ARCHIVE', /envs/],
    ['docker env', (d) => (d.docker.env = { A: 1 }), 'BAD_ARCHIVE', /docker\/env\/A/],
    ['runtime entry absolute', (d) => (d.runtime.entry = '/etc/passwd'), 'BAD_ARCHIVE', /runtime\/entry is not a relative path inside the bento/],
    ['runtime entry ..', (d) => (d.runtime.entry = 'src/../../x.cjs'), 'BAD_ARCHIVE', /runtime\/entry/],
    ['runtime versions', (d) => delete d.runtime.node, 'BAD_ARCHIVE', /runtime needs node/],
  ];
  for (const [what, change, code, message] of cases) {
    const d = structuredClone(good) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    change(d);
    t.throws(() => checkBentoInfo(d, 'where/bento.yaml'), { code, message }, what);
    t.throws(() => stringifyBentoInfo(d as unknown as BentoInfo), { code }, `${what}: the writer refuses it too`);
    if (code === 'BAD_ARCHIVE') t.throws(() => checkBentoInfo(d, 'where/bento.yaml'), { message: /^where\/bento\.yaml: / }, `${what}: names the file`);
  }
  t.throws(() => parseBentoInfo('name: [', 'f.yaml'), { code: 'BAD_ARCHIVE', message: /^f\.yaml is not valid YAML/ });
  const empty = await tempDir(t);
  t.throws(() => loadBentoInfo(empty), { code: 'FILE_NOT_FOUND', message: /has no bento\.yaml/ });
});
