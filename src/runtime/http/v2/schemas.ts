/**
 * JSON Schemas of the Open Inference Protocol (KServe V2 REST) request bodies, as the routes validate them
 * with ajv before any conversion runs: a bad body is a 400 naming the path.
 */

/** The V2 datatypes (the protocol's names for tensor element types). */
export const V2_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type V2Datatype = (typeof V2_DATATYPES)[number];

const PARAMETERS = { type: 'object' } as const;

/** `POST /v2/models/{name}[/versions/{version}]/infer`: inputs with name, shape, datatype and row-major data. */
export const INFER_REQUEST_SCHEMA = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: PARAMETERS,
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype', 'data'],
        properties: {
          name: { type: 'string', minLength: 1 },
          shape: { type: 'array', maxItems: 32, items: { type: 'integer', minimum: 0 } },
          datatype: { enum: [...V2_DATATYPES] },
          parameters: PARAMETERS,
          // Flat or nested row-major; the values are checked against the datatype when converted.
          data: { type: 'array' },
        },
      },
    },
    outputs: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, parameters: PARAMETERS } },
    },
  },
} as const;

/** One tensor of a V2 request, once validated. */
export interface V2InputTensor {
  name: string;
  shape: number[];
  datatype: V2Datatype;
  data: unknown[];
  parameters?: Record<string, unknown>;
}

/** A V2 infer request, once validated. */
export interface V2InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: V2InputTensor[];
  outputs?: Array<{ name: string; parameters?: Record<string, unknown> }>;
}

/** One tensor of a V2 answer (metadata lists them without data). */
export interface V2OutputTensor {
  name: string;
  shape: number[];
  datatype: V2Datatype;
  data: Array<number | boolean | string>;
  parameters?: Record<string, string | number | boolean>;
}
