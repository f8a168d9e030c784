/**
 * Fake `docker`, `podman` and `buildah` executables in a temp folder that becomes the whole PATH of the
 * backend's processes. Each call records its argv (NUL-separated) and, for builds, a copy of the Dockerfile
 * it was given and an image id in the --iidfile. Behaviour is set by environment variables:
 *   FAKE_UP      names whose probe (`docker info`, `podman --version`, …) succeeds, e.g. "docker podman"
 *   FAKE_FAIL    when set, a build prints it to stderr and exits 7
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import type { BackendName } from '../../src/containerize/backends.js';

const SCRIPT = `#!/bin/sh
name=\${0##*/}
log="$FAKE_LOG/$name.$$"
printf '%s\\0' "$@" > "$log.argv"
case "$1" in
  info|--version)
    case " $FAKE_UP " in *" $name "*) echo "$name 1.0"; exit 0 ;; esac
    echo "cannot connect to the $name engine" >&2; exit 1 ;;
esac
prev=
for a in "$@"; do
  case "$prev" in
    --iidfile) printf 'sha256:%s' "$FAKE_IMAGE_ID" > "$a" ;;
    --file) /bin/cat "$a" > "$log.Dockerfile" ;;
  esac
  prev=$a
done
echo "STEP 1/9: FROM base"
if [ -n "$FAKE_FAIL" ]; then echo "error: $FAKE_FAIL" >&2; exit 7; fi
echo "COMMIT"
exit 0
`;

export interface FakeCall {
  name: string;
  argv: string[];
  /** The Dockerfile the build was given (read at call time; the real file is temporary). */
  dockerfile?: string;
}

export interface Fakes {
  /** The folder holding the fake executables: the whole PATH. */
  bin: string;
  /** Environment for backends: PATH = bin only, plus the fakes' settings. */
  env(settings?: { up?: BackendName[]; fail?: string }): NodeJS.ProcessEnv;
  /** Every recorded call of `name` (all names when omitted). */
  calls(name?: BackendName): Promise<FakeCall[]>;
  /** The recorded build calls (not the probes). */
  builds(name?: BackendName): Promise<FakeCall[]>;
  imageId: string;
}

/** Makes fakes for `names` (default all three); removed at the end of the test. */
export async function makeFakes(t: Test, names: BackendName[] = ['docker', 'podman', 'buildah']): Promise<Fakes> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bento-fakes-'));
  t.teardown(() => fs.rm(root, { recursive: true, force: true }));
  const bin = path.join(root, 'bin');
  const log = path.join(root, 'log');
  await fs.mkdir(bin);
  await fs.mkdir(log);
  for (const name of names) await fs.writeFile(path.join(bin, name), SCRIPT, { mode: 0o755 });
  const imageId = 'f'.repeat(64);
  const calls = async (name?: BackendName): Promise<FakeCall[]> => {
    const out: FakeCall[] = [];
    for (const file of (await fs.readdir(log)).filter((f) => f.endsWith('.argv')).sort()) {
      const who = file.split('.')[0]!;
      if (name && who !== name) continue;
      const raw = await fs.readFile(path.join(log, file), 'utf8');
      const argv = raw.split('\0').slice(0, -1);
      const df = path.join(log, file.replace(/\.argv$/, '.Dockerfile'));
      const dockerfile = await fs.readFile(df, 'utf8').catch(() => undefined);
      out.push({ name: who, argv, ...(dockerfile !== undefined ? { dockerfile } : {}) });
    }
    return out;
  };
  return {
    bin,
    imageId: `sha256:${imageId}`,
    env: (settings = {}) => ({
      PATH: bin,
      FAKE_LOG: log,
      FAKE_IMAGE_ID: imageId,
      FAKE_UP: (settings.up ?? []).join(' '),
      ...(settings.fail ? { FAKE_FAIL: settings.fail } : {}),
    }),
    calls,
    builds: async (name) => (await calls(name)).filter((c) => !['info', '--version'].includes(c.argv[0]!)),
  };
}

/** The values of a repeated flag in an argv, e.g. every `--tag X`. */
export function flagValues(argv: string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && i + 1 < argv.length) out.push(argv[i + 1]!);
  });
  return out;
}
