/**
 * The service bench/monitoring.ts serves: the activities API with its monitoring chosen when the bento
 * starts, so one bento serves every variant: BENCH_MONITORING=off | on (default) | log (on, plus the payload
 * log into BENCH_PAYLOAD_DIR at BENCH_PAYLOAD_RATE, default 1).
 */
import { svc as activities } from '../service.js';
import { api, service } from '../src/sdk/index.js';

const mode = process.env.BENCH_MONITORING ?? 'on';
const predict = activities.apis.predict!;

export const svc = service({
  name: activities.name,
  models: { ...activities.models },
  apis: {
    predict: api({
      ...predict,
      monitoring: {
        ...predict.monitoring,
        enabled: mode !== 'off',
        payload_log: mode === 'log' ? { dir: process.env.BENCH_PAYLOAD_DIR ?? 'logs/payload', sample_rate: Number(process.env.BENCH_PAYLOAD_RATE ?? 1) } : false,
      },
    }),
  },
  traffic: activities.traffic,
});
