/**
 * A service that loads and answers /readyz like any other but whose /predict gives NaN for every record:
 * a bento of it must be refused by a promotion's golden check (not a test file: imported by one).
 */
import { service } from '../../src/sdk/index.js';
import { svc as good } from '../kit/service.js';

const predict = good.apis.predict!;
export const svc = service({
  name: good.name,
  models: good.models,
  apis: { predict: { ...predict, postprocess: (outputs: Float32Array) => Array.from(outputs, () => Number.NaN) } },
  traffic: good.traffic,
});
