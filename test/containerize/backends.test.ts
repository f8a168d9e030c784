/**
 * One conformance suite run against every build backend: docker, podman and buildah through fake
 * executables that record their argv (so all three are covered on any machine), and real podman and
 * buildah where they work here. Then what differs per backend, and detection.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { BACKEND_NAMES, createBackend, detectBackend, type Backend, type BackendName, type BuildRequest } from '../../src/containerize/backends.js';
import { flagValues, makeFakes } from '../kit/fake-backends.js';
import { podmanEnv, run } from '../kit/podman.js';

/** The conformance build: a label from a build argument shows the argument reached the Dockerfile. */
const DOCKERFILE = 'FROM scratch\nARG GREETING=none\nLABEL greeting=$GREETING\n';
const FAILING = 'FROM scratch\nCOPY no-such-file /x\n';

interface Harness {
  backend: Backend;
  /** A backend (same kind) whose build of `failing` fails. */
  failing: Backend;
  /** Labels and tags of the image built under `tag`. */
  inspect(tag: string): Promise<{ labels: Record<string, string>; id: string }>;
  cleanup(tags: string[]): Promise<void>;
}

async function context(t: Test): Promise<{ dir: string; dockerfile: string; failing: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bento-ctx-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  await fs.writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  await fs.writeFile(path.join(dir, 'Failing.Dockerfile'), FAILING);
  return { dir, dockerfile: path.join(dir, 'Dockerfile'), failing: path.join(dir, 'Failing.Dockerfile') };
}

function conformance(t: Test, label: string, skip: string | false, make: (t: Test) => Promise<Harness>): void {
  t.test(`conformance: ${label}`, { skip }, async (t) => {
    const h = await make(t);
    const ctx = await context(t);
    const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const tags = [`localhost/bento-conf-${h.backend.name}:${suffix}`, `localhost/bento-conf-${h.backend.name}:also-${suffix}`];
    t.teardown(() => h.cleanup(tags));

    t.equal(await h.backend.available(), true, 'available');
    const request: BuildRequest = {
      context: ctx.dir,
      dockerfile: ctx.dockerfile,
      tags,
      buildArgs: { GREETING: 'hello world' },
      labels: { 'com.example.team': 'ml', 'org.opencontainers.image.revision': 'abc123' },
    };
    const result = await h.backend.build(request);
    t.match(result.imageId, /^(sha256:)?[0-9a-f]{64}$/, 'reports the image id');
    const first = await h.inspect(tags[0]!);
    const second = await h.inspect(tags[1]!);
    t.equal(first.labels['com.example.team'], 'ml', 'labels applied');
    t.equal(first.labels['org.opencontainers.image.revision'], 'abc123');
    t.equal(first.labels.greeting, 'hello world', 'build args reach the Dockerfile');
    t.equal(second.id, first.id, 'every tag names the same image');
    t.equal(result.imageId!.replace(/^sha256:/, ''), first.id.replace(/^sha256:/, ''));

    const err = await h.failing.build({ ...request, dockerfile: ctx.failing }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { code: 'BACKEND_FAILED', message: new RegExp(`^${h.backend.name} build failed \\(exit code \\d+\\)`) });
    t.match((err as Error).message, /no-such-file|error/, "the message carries the end of the backend's output");
  });
}

for (const name of BACKEND_NAMES) {
  conformance(t, `${name} (fake executable)`, false, async (t) => {
    const fakes = await makeFakes(t);
    return {
      backend: createBackend(name, { env: fakes.env({ up: [name] }) }),
      failing: createBackend(name, { env: fakes.env({ up: [name], fail: 'COPY failed: no-such-file' }) }),
      async inspect(tag) {
        const build = (await fakes.builds(name)).find((c) => flagValues(c.argv, '--tag').includes(tag));
        if (!build) throw new Error(`no build tagged ${tag}`);
        const pairs = (flag: string) => Object.fromEntries(flagValues(build.argv, flag).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
        // Emulates the conformance Dockerfile's `LABEL greeting=$GREETING`.
        return { labels: { ...pairs('--label'), greeting: pairs('--build-arg').GREETING ?? 'none' }, id: fakes.imageId };
      },
      cleanup: async () => {},
    };
  });
}

// Real podman and buildah, where they work here (podman-setup.sh's settings; test machines only).
const real = await podmanEnv();
for (const name of ['podman', 'buildah'] as const) {
  const env = real.env ?? {};
  const installed = real.skip === undefined && (await createBackend(name, { env }).available());
  const skip = real.skip ?? (installed ? false : `${name} is not installed`);
  conformance(t, `${name} (real)`, skip, async () => {
    const backend = createBackend(name, { env });
    return {
      backend,
      failing: backend,
      async inspect(tag) {
        const out = await run('podman', ['image', 'inspect', tag], env);
        if (out.code !== 0) throw new Error(out.stderr);
        const [img] = JSON.parse(out.stdout) as Array<{ Id: string; Labels: Record<string, string> | null }>;
        return { labels: img!.Labels ?? {}, id: img!.Id };
      },
      async cleanup(tags) {
        await run('podman', ['rmi', '--force', ...tags], env);
      },
    };
  });
}

t.test('each backend runs its own build command with the shared flags, context last', async (t) => {
  const fakes = await makeFakes(t);
  const request: BuildRequest = { context: '/ctx', dockerfile: '/tmp/x/Dockerfile', tags: ['a:1', 'b:2'], buildArgs: { K: 'v=1' }, labels: { l: 'x y' } };
  const expected: Record<BackendName, string[]> = { docker: ['build'], podman: ['build', '--format', 'docker'], buildah: ['bud', '--format', 'docker'] };
  for (const name of BACKEND_NAMES) {
    // The Dockerfile path does not exist: the fake records argv anyway.
    await createBackend(name, { env: fakes.env({ up: [name] }) }).build(request);
    const [call] = await fakes.builds(name);
    const argv = call!.argv;
    t.same(argv.slice(0, expected[name].length), expected[name], `${name}: subcommand (podman/buildah keep HEALTHCHECK with --format docker)`);
    t.same(flagValues(argv, '--file'), ['/tmp/x/Dockerfile'], `${name}: --file`);
    t.same(flagValues(argv, '--tag'), ['a:1', 'b:2'], `${name}: every tag`);
    t.same(flagValues(argv, '--build-arg'), ['K=v=1'], `${name}: build args`);
    t.same(flagValues(argv, '--label'), ['l=x y'], `${name}: labels, one argv item each (no shell)`);
    t.equal(argv.at(-1), '/ctx', `${name}: context last`);
  }
});

t.test('availability: docker needs its engine to answer; podman and buildah need their executable', async (t) => {
  const fakes = await makeFakes(t, ['docker', 'podman']);
  t.equal(await createBackend('docker', { env: fakes.env() }).available(), false, 'docker client without engine');
  t.equal(await createBackend('docker', { env: fakes.env({ up: ['docker'] }) }).available(), true);
  t.equal((await fakes.calls('docker'))[0]!.argv[0], 'info', 'docker is probed with `docker info`');
  t.equal(await createBackend('podman', { env: fakes.env({ up: ['podman'] }) }).available(), true);
  t.equal(await createBackend('buildah', { env: fakes.env({ up: ['buildah'] }) }).available(), false, 'buildah not installed');
  const err = await createBackend('buildah', { env: fakes.env() }).build({ context: '/c', dockerfile: '/c/D', tags: ['x'], buildArgs: {}, labels: {} }).catch((e: unknown) => e);
  t.match(err, { code: 'BACKEND_UNAVAILABLE', message: /buildah/ });
});

t.test('detection: docker if its engine answers, else podman, else buildah, else none', async (t) => {
  const fakes = await makeFakes(t);
  const detect = async (up: BackendName[]) => (await detectBackend({ env: fakes.env({ up }) }))?.name;
  t.equal(await detect(['docker', 'podman', 'buildah']), 'docker');
  t.equal(await detect(['podman', 'buildah']), 'podman', 'docker installed but its engine down');
  t.equal(await detect(['buildah']), 'buildah');
  t.equal(await detect([]), undefined);
  const onlyBuildah = await makeFakes(t, ['buildah']);
  t.equal((await detectBackend({ env: onlyBuildah.env({ up: ['buildah'] }) }))?.name, 'buildah', 'docker and podman not installed at all');
});
