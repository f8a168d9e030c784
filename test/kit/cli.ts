/**
 * The one way tests run the `bento` CLI: `node bin/bento.mjs …` in a child process, its stdin, stdout and
 * stderr pipes (not a terminal, as in a script or CI). Never throws on a non-zero exit.
 *
 * @example
 *   const r = await bento(['models', 'list', '-o', 'json'], { home });
 *   t.equal(r.code, 0, r.stderr);
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/bento.mjs', import.meta.url));

export interface CliRun {
  /** The exit code (-1 when the process was killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** BENTO_HOME for the command; also the working folder unless `cwd` says otherwise. */
  home?: string;
  /** Working folder (default: `home`, else the current one). */
  cwd?: string;
  /** The whole environment of the command (default: this process's); BENTO_HOME is added from `home`. */
  env?: NodeJS.ProcessEnv;
  /** What the command reads on stdin (default: nothing, then end of input). */
  input?: string;
  /** Another `bento` executable to run (default: this checkout's bin/bento.mjs), e.g. an installed package's. */
  bin?: string;
}

/** Runs `bento …args` and resolves with its exit code and output once it has exited and closed its pipes. */
export function bento(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...(opts.home ? { BENTO_HOME: opts.home } : {}) };
  // As a user runs it: no debug stack traces, no loader flags inherited from the test runner.
  delete env.BENTO_DEBUG;
  delete env.NODE_OPTIONS;
  const cwd = opts.cwd ?? opts.home ?? process.cwd();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], { cwd: path.resolve(cwd), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
