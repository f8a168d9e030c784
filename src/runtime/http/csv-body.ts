/**
 * The CSV body parser (`content-type: text/csv`) of the rows APIs: RFC 4180 — a header line naming the
 * columns, then one line per row; fields separated by commas; a field may be quoted ("a, b", "say ""hi""",
 * line breaks inside quotes); lines end in CRLF or LF; a UTF-8 BOM is skipped; blank lines are skipped.
 * A field that is a JSON number (spaces around it allowed) is that number, parsed as JSON.parse would; an
 * empty field is a missing value; any other field is a string.
 *
 * The bytes are read once into flat typed arrays, and a column's values are built only when asked for:
 * columns the API does not use cost a scan, not a string per field. Limits as for JSON bodies: at most
 * `maxValues` fields and `maxColumns` columns (413 before anything is built), and every line must have
 * as many fields as the header (400 naming the line).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BentoError } from '../../errors.js';
import type { JsonLimits } from './json-body.js';
import { Table } from './table.js';

/** Most columns a CSV body may have. */
export const MAX_COLUMNS = 4096;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

// What a field is (CsvTable.kinds).
const NUMBER = 0;
const MISSING = 1;
const TEXT = 2;
/** Quoted text with "" inside, to be unescaped. */
const ESCAPED = 3;

/** 10^k for k ≤ 22: exact doubles, so a ≤15-digit mantissa divided by one is the correctly rounded number. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The number the bytes `[s, e)` are as JSON (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), or NaN when they
 * are not one. Up to 15 digits without an exponent, it is computed here exactly as JSON.parse rounds it;
 * otherwise it is left to Number().
 */
function jsonNumber(buf: Buffer, s: number, e: number): number {
  let i = s;
  const neg = buf[i] === 45; // '-'
  if (neg) i++;
  const intStart = i;
  let mant = 0;
  let digits = 0;
  while (i < e) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    mant = mant * 10 + d;
    i++;
  }
  digits = i - intStart;
  if (digits === 0 || (buf[intStart] === 48 && digits > 1)) return NaN;
  let frac = 0;
  if (i < e && buf[i] === 46) {
    i++;
    const fracStart = i;
    while (i < e) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      mant = mant * 10 + d;
      i++;
    }
    frac = i - fracStart;
    if (frac === 0) return NaN;
    digits += frac;
  }
  if (i < e && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    if (i < e && (buf[i] === 43 || buf[i] === 45)) i++;
    const expStart = i;
    while (i < e && buf[i]! >= 48 && buf[i]! <= 57) i++;
    if (i === expStart || i !== e) return NaN;
    return Number(buf.toString('latin1', s, e));
  }
  if (i !== e) return NaN;
  if (digits > 15) return Number(buf.toString('latin1', s, e));
  const v = frac === 0 ? mant : mant / POW10[frac]!;
  return neg ? -v : v;
}

/** A CSV body: its header's column names and its fields, read lazily by column. */
export class CsvTable extends Table {
  readonly format = 'csv';
  readonly names: readonly string[];
  readonly count: number;
  private readonly cache: Array<unknown[] | undefined>;

  constructor(
    private readonly buf: Buffer,
    names: string[],
    count: number,
    /** Per field, row-major: its kind, its number (kind NUMBER), and where its text is (TEXT, ESCAPED). */
    private readonly kinds: Uint8Array,
    private readonly nums: Float64Array,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    /** The line each row starts on (the header is line 1). */
    private readonly lines: Int32Array,
  ) {
    super();
    this.names = names;
    this.count = count;
    this.cache = names.map(() => undefined);
  }

  where(row: number): string {
    return ` (line ${this.lines[row]})`;
  }

  protected values(index: number): readonly unknown[] {
    const cached = this.cache[index];
    if (cached) return cached;
    const w = this.names.length;
    const out: unknown[] = new Array(this.count);
    for (let r = 0, k = index; r < this.count; r++, k += w) {
      const kind = this.kinds[k];
      if (kind === NUMBER) out[r] = this.nums[k];
      else if (kind === MISSING) out[r] = undefined;
      else {
        const text = this.buf.toString('utf8', this.starts[k], this.ends[k]);
        out[r] = kind === ESCAPED ? text.replaceAll('""', '"') : text;
      }
    }
    return (this.cache[index] = out);
  }
}

function tooLarge(what: string): BentoError {
  return new BentoError('PAYLOAD_TOO_LARGE', `the CSV body has ${what}, more than this server parses in one request; send fewer rows per request`);
}

function badCsv(line: number, why: string): BentoError {
  return new BentoError('BAD_REQUEST', `the request body is not valid CSV: line ${line}: ${why}`, [{ path: `line ${line}`, message: why }]);
}

/**
 * Counts the fields (separators outside quotes) before anything is allocated, and refuses a body past
 * the limits: 7 MB of commas would otherwise be 7 million fields.
 */
function countFields(buf: Buffer, from: number, maxValues: number): number {
  let fields = 1;
  let quoted = false;
  for (let i = from, n = buf.length; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === COMMA || c === LF || (c === CR && buf[i + 1] !== LF))) fields++;
  }
  if (fields > maxValues) throw tooLarge(`${fields} fields (at most ${maxValues})`);
  return fields;
}

/** Parses a CSV body (bytes), or throws the BAD_REQUEST, INVALID_INPUT or PAYLOAD_TOO_LARGE to answer. */
export function parseCsvBody(buf: Buffer, limits: JsonLimits, maxColumns = MAX_COLUMNS): CsvTable {
  const n = buf.length;
  let i = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 1;
  while (i < n && (buf[i] === LF || buf[i] === CR)) {
    if (buf[i] === LF || buf[i + 1] !== LF) line++;
    i++;
  }
  if (i >= n) throw new BentoError('BAD_REQUEST', 'the request body is empty: send a CSV header line, then one line per row');
  const cells = countFields(buf, i, limits.maxValues);
  const kinds = new Uint8Array(cells);
  const nums = new Float64Array(cells);
  const starts = new Int32Array(cells);
  const ends = new Int32Array(cells);
  const lineOf = new Int32Array(cells);
  let k = 0; // fields written
  let width = -1; // fields per line, once the header is read
  let rowStart = 0; // k at the start of the current line
  let rowLine = 1;
  const endLine = (): void => {
    const got = k - rowStart;
    if (width < 0) {
      width = got;
      if (width > maxColumns) throw tooLarge(`${width} columns (at most ${maxColumns})`);
    } else if (got === 1 && kinds[rowStart] === MISSING) {
      k = rowStart; // a blank line: skipped
    } else if (got !== width) {
      throw badCsv(rowLine, `has ${got} field${got === 1 ? '' : 's'} where the header has ${width}`);
    } else {
      lineOf[rowStart / width - 1] = rowLine;
    }
    rowStart = k;
  };
  // Each turn reads one field and the separator after it.
  for (;;) {
    if (k === cells) throw badCsv(line, 'more fields than counted (a stray quote?)');
    if (k === rowStart) rowLine = line;
    let s = i;
    let e: number;
    let kind = TEXT;
    if (buf[i] === QUOTE) {
      s = ++i;
      let escaped = false;
      for (;;) {
        if (i >= n) throw badCsv(rowLine, 'a quoted field is not closed (a " is missing)');
        const c = buf[i];
        if (c === QUOTE) {
          if (buf[i + 1] === QUOTE) {
            escaped = true;
            i += 2;
            continue;
          }
          break;
        }
        if (c === LF) line++;
        i++;
      }
      e = i++;
      if (escaped) kind = ESCAPED;
      if (i < n && buf[i] !== COMMA && buf[i] !== LF && buf[i] !== CR) throw badCsv(line, 'a closing quote must be followed by a comma or the end of the line');
    } else {
      while (i < n) {
        const c = buf[i];
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE) throw badCsv(line, 'a " inside a field that is not quoted: quote the field, and double each " in it');
        i++;
      }
      e = i;
    }
    if (kind === TEXT) {
      let a = s;
      let b = e;
      while (a < b && (buf[a] === SPACE || buf[a] === TAB)) a++;
      while (b > a && (buf[b - 1] === SPACE || buf[b - 1] === TAB)) b--;
      if (a === b) {
        // empty, quoted or not (spaces only too): missing
        kind = e === s ? MISSING : TEXT;
      } else {
        const x = jsonNumber(buf, a, b);
        if (x === x) {
          kind = NUMBER;
          nums[k] = x;
        }
      }
    }
    kinds[k] = kind;
    starts[k] = s;
    ends[k] = e;
    k++;
    if (i >= n) {
      endLine();
      break;
    }
    const sep = buf[i++];
    if (sep === COMMA) continue;
    if (sep === CR && buf[i] === LF) i++;
    line++;
    endLine();
    if (i >= n) break;
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (let c = 0; c < width; c++) {
    let name = buf.toString('utf8', starts[c], ends[c]);
    if (kinds[c] === ESCAPED) name = name.replaceAll('""', '"');
    if (name === '__proto__') throw badCsv(1, 'a column named "__proto__" could rewrite object prototypes; rename it');
    if (seen.has(name)) throw badCsv(1, `the column "${name}" is named twice`);
    seen.add(name);
    names.push(name);
  }
  const count = k / width - 1;
  // The rows' fields, without the header's.
  const at = (a: Int32Array | Float64Array | Uint8Array) => a.subarray(width, k);
  return new CsvTable(buf, names, count, at(kinds) as Uint8Array, at(nums) as Float64Array, at(starts) as Int32Array, at(ends) as Int32Array, lineOf.subarray(0, count));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes table bodies (CSV, JSON columns): set by the rows APIs whose input is a list of records. */
    tables?: boolean;
  }
}

/** Adds the text/csv parser; a route that does not take tables answers a CSV body 415. */
export function installCsvParser(app: FastifyInstance, limits: JsonLimits): void {
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (req: FastifyRequest, body: string | Buffer, done) => {
    req.bodyArrivedAt = performance.now();
    try {
      if (req.routeOptions.config?.tables !== true) {
        throw new BentoError('UNSUPPORTED_MEDIA_TYPE', `unsupported content type "text/csv" for ${req.routeOptions.url ?? req.url}: send application/json`);
      }
      done(null, parseCsvBody(typeof body === 'string' ? Buffer.from(body) : body, limits));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
