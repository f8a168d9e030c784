/**
 * onnxruntime-node with knobs, for tests of timing behaviour: real sessions and real outputs, but each
 * run can be delayed, session creation can be held back, and every call's row count is recorded.
 */
import * as realOrt from 'onnxruntime-node';
import type { Ort } from '../../src/onnx/session.js';

export interface OrtControl {
  /** Milliseconds added to every run from now on. */
  delayMs: number;
  /** Session creation waits for this (to observe /readyz before the models are loaded). */
  gate?: Promise<void>;
  /** Rows of every run, in order. */
  calls: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function slowOrt(ctl: OrtControl): Ort {
  const create = async (path: string, options: realOrt.InferenceSession.SessionOptions) => {
    await ctl.gate;
    const session = await realOrt.InferenceSession.create(path, options);
    return {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      async run(feeds: Record<string, realOrt.Tensor>, fetches: string[]) {
        ctl.calls.push(Number(Object.values(feeds)[0]!.dims[0]));
        if (ctl.delayMs > 0) await sleep(ctl.delayMs);
        return session.run(feeds, fetches);
      },
    };
  };
  return { ...realOrt, InferenceSession: { create } } as unknown as Ort;
}
