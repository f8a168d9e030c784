/**
 * Running a server in a child process from the CLI: stdio inherited, SIGINT/SIGTERM forwarded (the child
 * drains and exits), and the child's exit code handed back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

/** Exit code of a child: its code, or 128 + the signal's number as a shell reports it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0);
}

/** Starts `node args…` with inherited stdio. */
export function spawnNode(args: string[]): ChildProcess {
  return spawn(process.execPath, args, { stdio: 'inherit' });
}

/** Runs `node args…` until it exits, forwarding SIGINT/SIGTERM to it; resolves with its exit code. */
export function runForwarding(args: string[]): Promise<number> {
  const child = spawnNode(args);
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  const onHup = forward('SIGHUP'); // a production server's promotion (runtime/cluster/swap.ts)
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve(exitCodeOf(code, signal));
    });
  });
}
