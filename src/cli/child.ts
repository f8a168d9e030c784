/**
 * Running a server in a child process from the CLI: stdio inherited, SIGINT/SIGTERM forwarded (the child
 * drains and exits), and the child's exit code handed back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Module from 'node:module';
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

/**
 * Runs a bento's entry in this process, as `node entry args…` would (Node's own main-module loading, those
 * arguments), rather than in a child: a second Node start is 100–250 ms of a cold start on these machines.
 * Only for a process without a loader hook (an installed CLI): through tsx's, the 3 MB bundle would take
 * seconds. The entry's server then owns the process: its signals, its logs, its exit code. Never resolves
 * (the server ends the process); an entry that throws while loading rejects.
 */
export async function runEntryHere(entry: string, args: string[]): Promise<number> {
  process.argv = [process.argv[0]!, entry, ...args];
  // The CLI's own handler (a closed stdout is a quiet exit 0) is not the server's business.
  process.stdout.removeAllListeners('error');
  (Module as unknown as { runMain(main: string): void }).runMain(entry);
  return new Promise<number>(() => {});
}
