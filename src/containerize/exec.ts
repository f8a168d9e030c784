/**
 * Runs a backend's executable: no shell, output streamed to a callback and its tail kept for error messages.
 */
import { spawn } from 'node:child_process';

export interface ExecResult {
  /** Exit code; -1 when the executable could not be started (e.g. not installed). */
  code: number;
  /** The last bytes of stdout + stderr, interleaved as they came. */
  output: string;
  /** Set when the executable could not be started. */
  startError?: NodeJS.ErrnoException;
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Each chunk of stdout/stderr as it arrives (e.g. to show a build's progress on a terminal). */
  onOutput?: (chunk: Buffer) => void;
  /** Kills the process (SIGKILL) after this long and reports it as failed. */
  timeoutMs?: number;
}

const TAIL_BYTES = 16 * 1024;

export function exec(command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    const keep = (chunk: Buffer) => {
      options.onOutput?.(chunk);
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
    };
    let child;
    try {
      child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: -1, output: String((err as Error).message), startError: err as NodeJS.ErrnoException });
      return;
    }
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let startError: NodeJS.ErrnoException | undefined;
    child.on('error', (err) => {
      startError = err;
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const output = tail.toString('utf8');
      if (startError) resolve({ code: -1, output: startError.message, startError });
      else resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** The last `n` non-empty lines of a command's output, for an error message. */
export function lastLines(output: string, n = 15): string {
  return output.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-n).join('\n');
}
