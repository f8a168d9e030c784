/**
 * One IPC message between the cluster primary and a worker, sent so that a closed channel is a failed
 * send and never a crash. Node reports a send on a closed channel (ERR_IPC_CHANNEL_CLOSED) or a write that
 * meets a closing one (EPIPE) to the send's callback when there is one, and otherwise as an `'error'` event
 * on the process object, which nothing listens to: an uncaught exception. A check of `isConnected()` first
 * does not prevent it, since a worker finishing its drain can close the channel between the check and
 * the write; nor is one needed, since Node checks the channel itself. Every send here passes a callback,
 * and the failure goes to `onFail` (or is dropped: the other side is gone, and the message with it).
 */
import type { Worker } from 'node:cluster';

export type SendFailure = (err: Error) => void;

/** Primary side: sends `msg` to one worker. */
export function sendToWorker(worker: Worker, msg: object, onFail?: SendFailure): void {
  worker.send(msg as never, (err: Error | null) => {
    if (err) onFail?.(err);
  });
}

/** Worker side: sends `msg` to the primary (nothing when this process has no primary). */
export function sendToPrimary(msg: object, onFail?: SendFailure): void {
  process.send?.(msg, undefined, undefined, (err: Error | null) => {
    if (err) onFail?.(err);
  });
}
