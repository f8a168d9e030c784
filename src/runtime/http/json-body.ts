/**
 * The JSON body parser: JSON.parse, with errors that say what is wrong (the parser's own message, an empty
 * body, a `__proto__` or `constructor.prototype` key refused as prototype poisoning), and the moment the
 * body had arrived whole, so the route can measure its own parsing and validation.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BentoError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the body had arrived and parsing began (0 without a body). */
    bodyArrivedAt: number;
  }
}

// A key named __proto__, or constructor, possibly written with \u escapes: only then is the value walked.
const SUSPECT = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"|"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"/;

/** The JSON pointer of the first prototype-poisoning key in `value`, or undefined. */
export function poisonedKey(value: unknown): string | undefined {
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: Array<{ v: unknown; path: string }> = [{ v: value, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Object.hasOwn(v, '__proto__')) return `${path}/__proto__`;
    const ctor = (v as Record<string, unknown>).constructor;
    if (Object.hasOwn(v, 'constructor') && ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return `${path}/constructor/prototype`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null && typeof v[i] === 'object') stack.push({ v: v[i], path: `${path}/${i}` });
    } else {
      for (const [k, child] of Object.entries(v)) if (child !== null && typeof child === 'object') stack.push({ v: child, path: `${path}/${k}` });
    }
  }
  return undefined;
}

/** How many JSON values a body may hold: parsing costs per value far more than per byte. */
export interface JsonLimits {
  /** Most values (numbers, strings, … counted by their separators). */
  maxValues: number;
  /** Most arrays and objects (each one an allocation). */
  maxContainers: number;
}

/** The limits that keep any body within `bodyLimit` bytes parsed in well under 300 ms here (see README). */
export function jsonLimitsFor(bodyLimit: number): JsonLimits {
  return { maxValues: Math.max(1000, Math.floor(bodyLimit / 8)), maxContainers: Math.max(100, Math.floor(bodyLimit / 64)) };
}

// Below this many bytes a body cannot exceed the limits enough to matter: not scanned.
const SCAN_FROM = 64 * 1024;

/**
 * Counts values and containers outside strings without parsing, and throws PAYLOAD_TOO_LARGE past the
 * limits: 7 MB of `[[],[],…]` is 2.3 million arrays, which JSON.parse takes a second and 400 MB to build.
 */
function checkShape(text: string, limits: JsonLimits): void {
  let containers = 0;
  let commas = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // a string: skip to its closing quote (a backslash escapes the next character)
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 44) commas++;
    else if (c === 91 || c === 123) containers++;
  }
  if (containers > limits.maxContainers || commas + 1 > limits.maxValues) {
    const what = containers > limits.maxContainers ? `${containers} arrays and objects (at most ${limits.maxContainers})` : `${commas + 1} values (at most ${limits.maxValues})`;
    throw new BentoError('PAYLOAD_TOO_LARGE', `the request body holds ${what}, more than this server parses in one request; send fewer records per request`);
  }
}

/** Parses a JSON request body, or throws the BAD_REQUEST (or PAYLOAD_TOO_LARGE) to answer. */
export function parseJsonBody(text: string, limits?: JsonLimits): unknown {
  if (text.length === 0) throw new BentoError('BAD_REQUEST', 'the request body is empty: send a JSON value');
  if (limits && text.length >= SCAN_FROM) checkShape(text, limits);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BentoError('BAD_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (SUSPECT.test(text)) {
    const at = poisonedKey(value);
    if (at !== undefined) {
      throw new BentoError('BAD_REQUEST', `the request body has a key at ${at}, which could rewrite object prototypes; rename or remove it`, [
        { path: at, message: 'is a reserved key (prototype poisoning)' },
      ]);
    }
  }
  return value;
}

/** Replaces Fastify's JSON parser with parseJsonBody (same content types, same body limit). */
export function installJsonParser(app: FastifyInstance, limits: JsonLimits): void {
  app.decorateRequest('bodyArrivedAt', 0);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req: FastifyRequest, body: string | Buffer, done) => {
    req.bodyArrivedAt = performance.now();
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8'), limits));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
