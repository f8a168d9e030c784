/**
 * The per-request time limit of a service (`traffic.timeout` in service()): a request not answered within
 * `timeout` seconds is answered 504, and its rows still waiting in the batcher are dropped through its
 * Cancellation. (`max_concurrency` is enforced at the door: admission.ts.)
 */
import { BentoError } from '../../errors.js';
import { Cancellation } from './cancellation.js';

export class Traffic {
  constructor(private readonly timeoutSeconds: number) {}

  get timeoutMs(): number {
    return this.timeoutSeconds * 1000;
  }

  /** Runs `work`; `cancel` is cancelled when the request times out. */
  run<T>(work: (cancel: Cancellation) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = new Cancellation();
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        clearTimeout(timer);
        return true;
      };
      const timer = setTimeout(() => {
        const err = new BentoError('TIMEOUT', `the request was not answered within ${this.timeoutSeconds} s`);
        cancel.cancel(err);
        if (finish()) reject(err);
      }, this.timeoutMs);
      let pending: Promise<T>;
      try {
        pending = work(cancel);
      } catch (err) {
        if (finish()) reject(err);
        return;
      }
      pending.then(
        (value) => {
          if (finish()) resolve(value);
        },
        (err: unknown) => {
          if (finish()) reject(err);
        },
      );
    });
  }
}
