/**
 * `containerize()` and `bento containerize` against fake backends: which bento, which Dockerfile, which
 * tags and labels reach the backend, and what the user gets when no backend can build.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { containerize, gitRevision } from '../../src/containerize/containerize.js';
import { bentosRoot } from '../../src/store/home.js';
import { digestTree } from '../../src/store/digest.js';
import { ROOT, tempDir, tempHome } from '../kit/project.js';
import { bento } from '../kit/cli.js';
import { layBento } from '../kit/lay-bento.js';
import { flagValues, makeFakes } from '../kit/fake-backends.js';

const NOW = new Date('2025-01-02T03:04:05.000Z');

t.test('builds the newest bento with the detected backend: context, Dockerfile, tags and labels', async (t) => {
  await tempHome(t);
  await layBento(bentosRoot(), { version: '0000000000000001', creation_time: '2024-01-01T00:00:00Z' });
  const dir = await layBento(bentosRoot(), { version: '0000000000000002', creation_time: '2024-06-01T00:00:00Z' });
  const before = await digestTree(dir);
  const fakes = await makeFakes(t);
  const result = await containerize({
    bento: 'activities_model',
    env: fakes.env({ up: ['podman', 'buildah'] }),
    labels: { owner: 'platform', 'com.example.ticket': 'ML-1' },
    buildArgs: { EXTRA: '1' },
    revision: 'deadbeef',
    now: NOW,
  });
  t.equal(result.backend, 'podman', 'docker engine down → podman');
  t.same(result.tags, ['activities_model:0000000000000002'], 'default tag <bento name>:<version> of the newest');
  t.equal(result.imageId, fakes.imageId);
  const [build] = await fakes.builds('podman');
  const argv = build!.argv;
  t.equal(argv.at(-1), dir, 'the context is the stored bento folder');
  t.same(flagValues(argv, '--tag'), ['activities_model:0000000000000002']);
  t.same(flagValues(argv, '--build-arg'), ['EXTRA=1']);
  t.same(flagValues(argv, '--label'), [
    'org.opencontainers.image.created=2025-01-02T03:04:05.000Z',
    'org.opencontainers.image.revision=deadbeef',
    'owner=platform',
    'com.example.ticket=ML-1',
  ]);
  t.equal(build!.dockerfile, result.dockerfile, 'the rendered Dockerfile is what the backend read');
  t.match(result.dockerfile, /EXPOSE 3005/);
  t.match(result.dockerfile, /ENV BENTOML_PORT="3005"/);
  t.match(result.dockerfile, /"org.opencontainers.image.version"="0000000000000002"/);
  t.match(result.dockerfile, /"owner"="ml-team"/, 'bento labels in the Dockerfile; --label overrides them at build');
  const dockerfileArg = flagValues(argv, '--file')[0]!;
  t.notOk(dockerfileArg.startsWith(dir), 'the Dockerfile is written outside the store');
  t.notOk(existsSync(dockerfileArg), 'and removed afterwards');
  t.same(await digestTree(dir), before, 'the stored bento is unchanged');
});

t.test('options: explicit backend, several tags, --base-image, a bento folder, the bento\'s own template', async (t) => {
  await tempHome(t);
  const elsewhere = await tempDir(t);
  const template = (await fs.readFile(path.join(ROOT, 'Dockerfile'), 'utf8')) + '# carried by this bento\n';
  const dir = await layBento(elsewhere, {}, { 'env/docker/Dockerfile': template });
  const fakes = await makeFakes(t);
  const result = await containerize({
    bento: dir,
    backend: 'buildah',
    tags: ['registry.example.com:5000/ml/activities:v1', 'activities:latest'],
    baseImage: 'node:20-bookworm',
    env: fakes.env({ up: ['docker', 'buildah'] }),
    revision: null,
    now: NOW,
  });
  t.equal(result.backend, 'buildah', 'the named backend, even when docker answers');
  t.same(await fakes.builds('docker'), []);
  const [build] = await fakes.builds('buildah');
  t.same(flagValues(build!.argv, '--tag'), ['registry.example.com:5000/ml/activities:v1', 'activities:latest']);
  t.notOk(flagValues(build!.argv, '--label').some((l) => l.includes('revision')), 'no revision label when none is known');
  t.match(build!.dockerfile, /ARG BASE_IMAGE=node:20-bookworm\n/);
  t.match(build!.dockerfile, /# carried by this bento\n$/, "the bento's env/docker/Dockerfile is the template");
});

t.test('user mistakes are named before anything is built', async (t) => {
  await tempHome(t);
  await layBento(bentosRoot());
  const fakes = await makeFakes(t);
  const env = fakes.env({ up: ['podman'] });
  await t.rejects(containerize({ bento: 'nope', env }), { code: 'TAG_NOT_FOUND' });
  await t.rejects(containerize({ bento: './not-a-bento', env }), { code: 'FILE_NOT_FOUND' });
  await t.rejects(containerize({ bento: 'activities_model', tags: ['Activities:1'], env }), { code: 'BAD_ARGUMENT', message: /Activities:1/ });
  await t.rejects(containerize({ bento: 'activities_model', tags: ['a:b c'], env }), { code: 'BAD_ARGUMENT' });
  await t.rejects(containerize({ bento: 'activities_model', labels: { 'a b': 'x' }, env }), { code: 'BAD_ARGUMENT', message: /--label/ });
  await t.rejects(containerize({ bento: 'activities_model', buildArgs: { 'A-B': 'x' }, env }), { code: 'BAD_ARGUMENT', message: /--build-arg/ });
  t.same(await fakes.builds(), [], 'no build was started');
});

t.test('a failing build is reported with the end of its output', async (t) => {
  await tempHome(t);
  await layBento(bentosRoot());
  const fakes = await makeFakes(t);
  await t.rejects(containerize({ bento: 'activities_model', env: fakes.env({ up: ['docker'], fail: 'no space left on device' }) }), {
    code: 'BACKEND_FAILED',
    message: /docker build failed \(exit code 7\):[\s\S]*no space left on device/,
  });
});

t.test('no backend: BACKEND_UNAVAILABLE, with a ready build context to build elsewhere', async (t) => {
  const home = await tempHome(t);
  const dir = await layBento(bentosRoot());
  const fakes = await makeFakes(t, ['docker']);
  const err = (await containerize({ bento: 'activities_model', env: fakes.env(), revision: 'cafe', now: NOW }).catch((e: unknown) => e)) as Error & { code: string };
  const context = path.join(home, 'containerize', 'activities_model-0123456789abcdef');
  t.equal(err.code, 'BACKEND_UNAVAILABLE');
  t.match(err.message, 'no container backend is available (tried docker, podman, buildah)');
  t.match(err.message, `the build context is ready in ${context}`);
  t.match(err.message, `docker build -t activities_model:0123456789abcdef --label org.opencontainers.image.created=2025-01-02T03:04:05.000Z --label org.opencontainers.image.revision=cafe ${context}`);
  const rendered = await fs.readFile(path.join(context, 'Dockerfile'), 'utf8');
  t.match(rendered, /EXPOSE 3005/, 'the rendered Dockerfile at the top of the context');
  const bentoFiles = await digestTree(dir);
  const contextFiles = await digestTree(context, { exclude: ['Dockerfile'] });
  t.same(contextFiles, bentoFiles, 'plus every file of the bento');

  // Again, naming an unavailable backend: the context is replaced, not duplicated.
  await fs.writeFile(path.join(context, 'stale'), 'x');
  await t.rejects(containerize({ bento: 'activities_model', backend: 'podman', env: fakes.env() }), {
    code: 'BACKEND_UNAVAILABLE',
    message: /^podman is not available; the build context is ready in/,
  });
  t.notOk(existsSync(path.join(context, 'stale')));
  t.same((await fs.readdir(path.join(home, 'containerize'))).sort(), ['activities_model-0123456789abcdef'], 'no temporary folders left');
});

t.test('the revision label comes from git where the command runs', async (t) => {
  const dir = await tempDir(t);
  t.equal(await gitRevision(dir), undefined, 'not a checkout');
  const head = await new Promise<string>((resolve) => execFile('git', ['rev-parse', 'HEAD'], { cwd: ROOT }, (e, out) => resolve(e ? '' : out.trim())));
  t.equal(await gitRevision(ROOT), head || undefined);
});

t.test('bento containerize (CLI): prints the image tags; flags are checked', async (t) => {
  const home = await tempHome(t);
  await layBento(bentosRoot());
  const fakes = await makeFakes(t);
  const env = { ...fakes.env({ up: ['podman'] }), BENTO_HOME: home };
  const ok = await bento(['containerize', 'activities_model:latest', '-t', 'a:1', '-t', 'b:2', '--label', 'k=v=w', '--build-arg', 'X=1', '--base-image', 'node:20'], { env: env, cwd: ROOT });
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stdout, 'a:1\nb:2\n', 'only the tags on stdout');
  t.equal(ok.stderr, '', 'quiet when stderr is not a terminal');
  const [build] = await fakes.builds('podman');
  t.ok(flagValues(build!.argv, '--label').includes('k=v=w'));
  t.same(flagValues(build!.argv, '--build-arg'), ['X=1']);
  t.match(build!.dockerfile, /ARG BASE_IMAGE=node:20\n/);

  const dflt = await bento(['containerize', 'activities_model'], { env: env, cwd: ROOT });
  t.equal(dflt.stdout, 'activities_model:0123456789abcdef\n');

  const badBackend = await bento(['containerize', 'activities_model', '--backend', 'nerdctl'], { env: env, cwd: ROOT });
  t.equal(badBackend.code, 1);
  t.match(badBackend.stderr, /^BAD_ARGUMENT: --backend "nerdctl": expected one of docker, podman, buildah/);
  const badArg = await bento(['containerize', 'activities_model', '--build-arg', 'NOVALUE'], { env: env, cwd: ROOT });
  t.match(badArg.stderr, /^BAD_ARGUMENT: --build-arg "NOVALUE": expected KEY=VALUE/);
  const none = await bento(['containerize', 'activities_model'], { env: { ...fakes.env(), BENTO_HOME: home }, cwd: ROOT });
  t.equal(none.code, 2, 'environment problem: exit 2');
  t.match(none.stderr, /^BACKEND_UNAVAILABLE: no container backend is available/);
  t.equal(none.stdout, '');
});
