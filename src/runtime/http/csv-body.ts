/**
 * The CSV body parser (`content-type: text/csv`) of the rows APIs: RFC 4180 — a header line naming the
 * columns, then one line per row; fields separated by commas; a field may be quoted ("a, b", "say ""hi""",
 * line breaks inside quotes); lines end in CRLF or LF; a UTF-8 BOM is skipped; blank lines are skipped.
 * A field that is a JSON number (spaces around it allowed) is that number, parsed as JSON.parse would; an
 * empty field is a missing value; any other field is a string.
 *
 * The bytes are scanned once into flat typed arrays: plain numbers (the usual field) are read as they are
 * scanned; other fields keep their position, and become values only when their column is asked for, so
 * columns the API does not use cost a scan, not a string per field. Limits as for JSON bodies: at most
 * `maxValues` fields and `maxColumns` columns (413 once past them), and every line must have
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

// How a field was written (CsvTable.flags).
const PLAIN = 0;
const QUOTED = 1;
/** Quoted, with "" inside to be unescaped. */
const ESCAPED = 2;
/** A plain number read during the scan (the common case), its value in `nums`. */
const NUMBER = 3;

/** The bytes that end a plain field (one lookup per byte instead of four comparisons). */
const SPECIAL = new Uint8Array(256);
for (const c of [COMMA, QUOTE, LF, CR]) SPECIAL[c] = 1;

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

/**
 * A CSV body: its header's column names, and where each field is in the bytes. A column's values are
 * read when it is asked for: a plain field that is a JSON number is that number, an empty one is missing.
 */
export class CsvTable extends Table {
  readonly format = 'csv';
  readonly names: readonly string[];
  readonly count: number;
  private readonly cache: Array<ArrayLike<unknown> | undefined>;

  constructor(
    private readonly buf: Buffer,
    names: string[],
    count: number,
    /** Per field, row-major: how it was written, and where its text is. */
    private readonly flags: Uint8Array,
    /** The value of a field read as a number during the scan (flag NUMBER). */
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

  /**
   * A column of numbers only is a Float64Array (no boxed number per value: a 10 000-row body would
   * otherwise leave 50 000 objects to the collector); a column with any other value is an array.
   */
  protected values(index: number): ArrayLike<unknown> {
    const cached = this.cache[index];
    if (cached) return cached;
    const { buf, flags, starts, ends, nums } = this;
    const w = this.names.length;
    const numbers = new Float64Array(this.count);
    let mixed: unknown[] | undefined;
    for (let r = 0, k = index; r < this.count; r++, k += w) {
      if (flags[k] === NUMBER) {
        if (mixed) mixed[r] = nums[k];
        else numbers[r] = nums[k]!;
        continue;
      }
      const s = starts[k]!;
      const e = ends[k]!;
      let v: unknown;
      // An empty field, quoted or not, is a missing value.
      if (s === e) v = undefined;
      else {
        const flag = flags[k];
        let x = NaN;
        if (flag !== ESCAPED) {
          let a = s;
          let b = e;
          while (a < b && (buf[a] === SPACE || buf[a] === TAB)) a++;
          while (b > a && (buf[b - 1] === SPACE || buf[b - 1] === TAB)) b--;
          if (a < b) x = jsonNumber(buf, a, b);
        }
        if (x === x) {
          if (mixed) mixed[r] = x;
          else numbers[r] = x;
          continue;
        }
        const text = buf.toString('utf8', s, e);
        v = flag === ESCAPED ? text.replaceAll('""', '"') : text;
      }
      mixed ??= Array.from(numbers.subarray(0, r));
      mixed[r] = v;
    }
    return (this.cache[index] = mixed ?? numbers);
  }
}

function tooLarge(what: string): BentoError {
  return new BentoError('PAYLOAD_TOO_LARGE', `the CSV body has ${what}, more than this server parses in one request; send fewer rows per request`);
}

function badCsv(line: number, why: string): BentoError {
  return new BentoError('BAD_REQUEST', `the request body is not valid CSV: line ${line}: ${why}`, [{ path: `line ${line}`, message: why }]);
}

/** Parses a CSV body (bytes), or throws the BAD_REQUEST or PAYLOAD_TOO_LARGE to answer. */
export function parseCsvBody(buf: Buffer, limits: JsonLimits, maxColumns = MAX_COLUMNS): CsvTable {
  const n = buf.length;
  let i = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 1;
  while (i < n && (buf[i] === LF || buf[i] === CR)) {
    if (buf[i] === LF || buf[i + 1] !== LF) line++;
    i++;
  }
  if (i >= n) throw new BentoError('BAD_REQUEST', 'the request body is empty: send a CSV header line, then one line per row');
  // Room for the fields as typical CSV has them (4 bytes or more per field), grown by doubling when a
  // body has more, up to the limit: 7 MB of commas is refused at the limit, having built no more.
  let cells = Math.min(limits.maxValues, (n >> 2) + 64);
  let flags = new Uint8Array(cells);
  const lineOf: number[] = [];
  let starts = new Int32Array(cells);
  let ends = new Int32Array(cells);
  let nums = new Float64Array(cells);
  let k = 0; // fields written
  let width = -1; // fields per line, once the header is read
  let rowStart = 0; // k at the start of the current line
  let rowLine = 1;
  // Each turn reads one field and the separator after it.
  for (;;) {
    if (k === cells) {
      if (cells >= limits.maxValues) throw tooLarge(`more than ${limits.maxValues} fields`);
      cells = Math.min(limits.maxValues, cells * 2);
      const grow = <T extends Uint8Array | Int32Array>(a: T, b: T): T => (b.set(a), b);
      flags = grow(flags, new Uint8Array(cells));
      starts = grow(starts, new Int32Array(cells));
      ends = grow(ends, new Int32Array(cells));
      const more = new Float64Array(cells);
      more.set(nums);
      nums = more;
    }
    if (k === rowStart) rowLine = line;
    let s = i;
    let e: number;
    let flag = PLAIN;
    if (buf[i] === QUOTE) {
      s = ++i;
      flag = QUOTED;
      for (;;) {
        if (i >= n) throw badCsv(rowLine, 'a quoted field is not closed (a " is missing)');
        const c = buf[i];
        if (c === QUOTE) {
          if (buf[i + 1] === QUOTE) {
            flag = ESCAPED;
            i += 2;
            continue;
          }
          break;
        }
        if (c === LF) line++;
        i++;
      }
      e = i++;
      if (i < n && buf[i] !== COMMA && buf[i] !== LF && buf[i] !== CR) throw badCsv(line, 'a closing quote must be followed by a comma or the end of the line');
    } else {
      // The usual field, `-?digits(.digits)?` of at most 15 digits, is read as it is scanned (exactly as
      // JSON.parse reads it: see jsonNumber); anything else is classified when its column is read.
      let j = i;
      const neg = buf[j] === 45;
      if (neg) j++;
      const intStart = j;
      let mant = 0;
      let c = buf[j]!;
      while (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        c = buf[++j]!;
      }
      const intDigits = j - intStart;
      let frac = 0;
      if (c === 46 && intDigits > 0) {
        const fracStart = ++j;
        c = buf[j]!;
        while (c >= 48 && c <= 57) {
          mant = mant * 10 + (c - 48);
          c = buf[++j]!;
        }
        frac = j - fracStart;
        if (frac === 0) frac = -1; // "1." is not a number
      }
      if ((j >= n || c === COMMA || c === LF || c === CR) && intDigits > 0 && frac >= 0 && intDigits + frac <= 15 && (intDigits === 1 || buf[intStart] !== 48)) {
        const v = frac === 0 ? mant : mant / POW10[frac]!;
        nums[k] = neg ? -v : v;
        flag = NUMBER;
        i = j;
      } else {
        i = j;
        while (i < n && SPECIAL[buf[i]!] === 0) i++;
        if (i < n && buf[i] === QUOTE) throw badCsv(line, 'a " inside a field that is not quoted: quote the field, and double each " in it');
      }
      e = i;
    }
    flags[k] = flag;
    // (where a number's text is matters only in the header, for the column's name)
    if (flag !== NUMBER || width < 0) {
      starts[k] = s;
      ends[k] = e;
    }
    k++;
    let last = i >= n;
    if (!last) {
      const sep = buf[i++];
      if (sep === COMMA) continue;
      if (sep === CR && buf[i] === LF) i++;
      line++;
      last = i >= n;
    }
    // The end of a line (inline, not a closure: the loop's variables stay in registers).
    const got = k - rowStart;
    if (width < 0) {
      width = got;
      if (width > maxColumns) throw tooLarge(`${width} columns (at most ${maxColumns})`);
    } else if (got === 1 && flags[rowStart] === PLAIN && starts[rowStart] === ends[rowStart]) {
      k = rowStart; // a blank line: skipped
    } else if (got !== width) {
      throw badCsv(rowLine, `has ${got} field${got === 1 ? '' : 's'} where the header has ${width}`);
    } else {
      lineOf.push(rowLine);
    }
    rowStart = k;
    if (last) break;
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (let c = 0; c < width; c++) {
    let name = buf.toString('utf8', starts[c], ends[c]);
    if (flags[c] === ESCAPED) name = name.replaceAll('""', '"');
    if (name === '__proto__') throw badCsv(1, 'a column named "__proto__" could rewrite object prototypes; rename it');
    if (seen.has(name)) throw badCsv(1, `the column "${name}" is named twice`);
    seen.add(name);
    names.push(name);
  }
  const count = k / width - 1;
  // The rows' fields, without the header's.
  return new CsvTable(buf, names, count, flags.subarray(width, k), nums.subarray(width, k), starts.subarray(width, k), ends.subarray(width, k), Int32Array.from(lineOf));
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
