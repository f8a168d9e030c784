/**
 * The real thing: build the activities image with `bento containerize --backend podman` (a child process of
 * the CLI), run it, and check it answers /predict exactly as the same bento served on the host, runs as
 * non-root, carries its labels, passes its healthcheck, takes extra flags, and stops cleanly on SIGTERM.
 * Needs podman (scripts/podman-setup.sh) and the base image (scripts/make-base-image.sh); skipped, with
 * the reason, where they are missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { buildBento } from '../../src/builder/build.js';
import { bento as runBento } from '../kit/cli.js';
import { makeModel } from '../kit/model.js';
import { ACTIVITIES_FIXTURE, runtimeReady, tempDir, tempHome } from '../kit/project.js';
import { BASE_IMAGE, hasBaseImage, podmanEnv, run } from '../kit/podman.js';
import { freePort } from '../kit/ports.js';

const podman = await podmanEnv();
async function skipReason(): Promise<string | false> {
  if (podman.skip !== undefined) return podman.skip;
  if (!(await hasBaseImage(podman.env))) return `the base image ${BASE_IMAGE} is not in podman's store (run scripts/make-base-image.sh)`;
  if (!runtimeReady()) return 'the runtime (src/runtime/main.ts) is not written yet';
  return false;
}
const skip = await skipReason();

const RECORDS = [
  { 'Distance (km)': 26.91, 'Average Speed (km/h)': 11.08, 'Calories Burned': 1266, 'Climb (m)': 98, 'Average Heart rate (tpm)': 121 },
  { 'Distance (km)': 5.2, 'Average Speed (km/h)': 9.5, 'Calories Burned': 300, 'Climb (m)': 10, 'Average Heart rate (tpm)': 150 },
  { 'Distance (km)': 42, 'Average Speed (km/h)': 12, 'Calories Burned': 2800, 'Climb (m)': 400, 'Average Heart rate (tpm)': 40 },
  { 'Distance (km)': 8, 'Average Speed (km/h)': 10, 'Calories Burned': 500, 'Climb (m)': 20, 'Average Heart rate (tpm)': null },
  { 'Distance (km)': 12, 'Average Speed (km/h)': 25, 'Calories Burned': 350, 'Climb (m)': 150, 'Type': 'Cycling' },
];

/** A child process with its output kept, and a promise of its exit code. */
function start(cmd: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

/** Polls `url` until it answers 200; gives up when `exited` settles first or after `tries`. */
async function waitReady(url: string, exited: Promise<unknown>, tries = 600): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < tries && !gone; i++) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function predict(port: number): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(RECORDS) });
  return { status: res.status, body: await res.json() };
}

/**
 * A fresh git repository with one commit made at a fixed time by a fixed author: the folder `bento containerize`
 * runs in, so the revision label always has a known value to be checked against (whatever checkout, if any,
 * the tests run from).
 */
async function gitRepo(t: Test): Promise<{ dir: string; revision: string }> {
  const dir = await tempDir(t, 'bento-repo-');
  const when = '2024-05-01T00:00:00Z';
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=bento tests', '-c', 'user.email=tests@example.com', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when },
    }).trim();
  git('init', '--quiet');
  git('commit', '--quiet', '--allow-empty', '-m', 'the revision under test');
  return { dir, revision: git('rev-parse', 'HEAD') };
}

/** Runs the image attached (so its exit code is podman run's); removed at the end of the test either way. */
function runImage(t: Test, env: NodeJS.ProcessEnv, image: string, name: string, runArgs: string[], serverArgs: string[]) {
  t.teardown(() => run('podman', ['rm', '--force', '--time', '0', name], env));
  return start('podman', ['run', '--rm', '--name', name, '--network', 'host', ...runArgs, image, ...serverArgs], env);
}

t.test('bento containerize --backend podman: a real image that serves like the host', { skip }, async (t) => {
  const env = podman.env!;
  const home = await tempHome(t);
  await makeModel();
  const bento = await buildBento({ projectDir: ACTIVITIES_FIXTURE });

  // Build through the CLI, as a user would, from a checkout whose revision is known.
  const repo = await gitRepo(t);
  t.match(repo.revision, /^[0-9a-f]{40}$/, 'the test repository has a revision');
  const cli = await runBento(['containerize', bento.tag, '--backend', 'podman', '--label', 'com.example.suite=containerize'], { env, home, cwd: repo.dir });
  const image = `activities_model:${bento.info.version}`;
  t.teardown(() => run('podman', ['rmi', '--force', image], env));
  t.equal(cli.code, 0, cli.stdout + cli.stderr);
  t.equal((cli.stdout + cli.stderr).trim(), image, 'prints the default image tag <bento name>:<version>');

  // Labels, user, size.
  const inspect = await run('podman', ['image', 'inspect', image], env);
  const [img] = JSON.parse(inspect.stdout) as Array<{ Size: number; Config: { User?: string; Labels?: Record<string, string>; ExposedPorts?: Record<string, unknown> } }>;
  const labels = img!.Config.Labels ?? {};
  t.equal(labels['org.opencontainers.image.title'], 'activities_model');
  t.equal(labels['org.opencontainers.image.version'], bento.info.version);
  t.ok(Date.parse(labels['org.opencontainers.image.created'] ?? '') > 0, 'created is a date');
  t.equal(labels['org.opencontainers.image.revision'], repo.revision, 'revision is the git HEAD where the command ran');
  t.equal(labels['com.example.suite'], 'containerize', 'the user\'s --label');
  t.equal(labels.owner, 'tests', 'the bento\'s labels');
  t.equal(labels.stage, 'dev');
  t.same(Object.keys(img!.Config.ExposedPorts ?? {}), ['3000/tcp']);
  t.equal(img!.Config.User, '10001:10001');
  const id = await run('podman', ['run', '--rm', '--network', 'host', '--entrypoint', 'id', image, '-u'], env);
  t.equal(id.code, 0, id.stderr);
  t.not(id.stdout.trim(), '0', 'the server does not run as root');
  const base = JSON.parse((await run('podman', ['image', 'inspect', BASE_IMAGE], env)).stdout)[0].Size as number;
  const added = img!.Size - base;
  t.comment(`image ${(img!.Size / 1e6).toFixed(1)} MB = base ${(base / 1e6).toFixed(1)} MB + ${(added / 1e6).toFixed(1)} MB`);
  t.ok(added <= 60e6, `at most 60 MB above the base (${(added / 1e6).toFixed(1)} MB)`);

  // The same bento served on the host is the reference.
  const hostPort = await freePort();
  const host = start(process.execPath, [path.join(bento.dir, 'src/service.cjs'), '--port', String(hostPort)], { ...process.env, BENTO_HOME: home });
  t.teardown(() => host.child.kill('SIGKILL'));
  t.ok(await waitReady(`http://127.0.0.1:${hostPort}/readyz`, host.exit), `host server ready\n${host.output()}`);
  const expected = await predict(hostPort);
  t.match(expected, { status: 200, body: Array }, 'the host answers');

  // The image: BENTOML_PORT from the environment, extra flags passed through to the server.
  const port = await freePort();
  const name = `bento-test-${process.pid}`;
  const container = runImage(t, env, image, name, ['-e', `BENTOML_PORT=${port}`], ['--workers', '2']);
  t.ok(await waitReady(`http://127.0.0.1:${port}/readyz`, container.exit), `container ready on BENTOML_PORT\n${container.output()}`);
  t.same(await predict(port), expected, 'the container answers exactly as the host');
  const health = await run('podman', ['healthcheck', 'run', name], env);
  t.equal(health.code, 0, `the HEALTHCHECK (node fetch /livez) passes: ${health.stdout}${health.stderr}`);

  const stop = await run('podman', ['stop', '--time', '30', name], env);
  t.equal(stop.code, 0, stop.stderr);
  t.equal(await container.exit, 0, `SIGTERM stops it cleanly (exit 0, not killed)\n${container.output().slice(-2000)}`);
  t.notMatch(container.output(), /resorting to SIGKILL/);

  // Flags after the image name reach the server: --port wins over the image's BENTOML_PORT.
  const flagPort = await freePort();
  const second = runImage(t, env, image, `${name}-2`, [], ['--port', String(flagPort), '--workers', '1']);
  t.ok(await waitReady(`http://127.0.0.1:${flagPort}/livez`, second.exit), `extra flags reach the server (--port)\n${second.output()}`);
  await run('podman', ['stop', '--time', '30', `${name}-2`], env);
  t.equal(await second.exit, 0);

  host.child.kill('SIGTERM');
  t.equal(await host.exit, 0);
});
