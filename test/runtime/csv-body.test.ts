// The CSV body parser in-process, against a plain reference reading of RFC 4180 on random bodies: the same
// column names, rows, values (numbers as JSON.parse reads them, empty fields missing, other text as
// written) and line numbers; a table stays intact after later bodies are parsed; the field limit holds
// exactly; bodies with more fields than the first guess (short fields, very wide headers) are read whole.
import t from 'tap';
import { parseCsvBody } from '../../src/runtime/http/csv-body.js';
import { rng } from '../kit/model.js';

const LIMITS = { maxValues: 1_000_000, maxContainers: 100_000 };
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

interface Expected {
  names: string[];
  rows: unknown[][];
  lines: number[];
}

/** A plain reading of a CSV body (LF or CRLF line ends): what parseCsvBody must answer. */
function reference(text: string): Expected {
  let i = text.startsWith('\uFEFF') ? 1 : 0;
  let line = 1;
  const records: Array<{ line: number; fields: Array<{ text: string; quoted: boolean; escaped: boolean }> }> = [];
  let fields: Array<{ text: string; quoted: boolean; escaped: boolean }> = [];
  let start = line;
  while (i < text.length && (text[i] === '\n' || text[i] === '\r')) {
    if (text[i] === '\n') line++;
    i++;
  }
  start = line;
  for (;;) {
    let value = '';
    let quoted = false;
    let escaped = false;
    if (text[i] === '"') {
      quoted = true;
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          value += '""';
          escaped = true;
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          if (text[i] === '\n') line++;
          value += text[i++];
        }
      }
    } else {
      while (i < text.length && !',\r\n'.includes(text[i]!)) value += text[i++];
    }
    fields.push({ text: value, quoted, escaped });
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    const blank = fields.length === 1 && !fields[0]!.quoted && fields[0]!.text === '';
    if (!blank || records.length === 0) records.push({ line: start, fields });
    line++;
    start = line;
    fields = [];
    if (i >= text.length) break;
  }
  const [head, ...data] = records;
  const valueOf = (f: { text: string; escaped: boolean }): unknown => {
    if (f.text === '') return undefined;
    const trimmed = f.text.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!f.escaped && JSON_NUMBER.test(trimmed)) return Number(trimmed);
    return f.escaped ? f.text.replaceAll('""', '"') : f.text;
  };
  return {
    names: head!.fields.map((f) => (f.escaped ? f.text.replaceAll('""', '"') : f.text)),
    rows: data.map((r) => r.fields.map(valueOf)),
    lines: data.map((r) => r.line),
  };
}

/** A random field of every kind a client may send. */
function field(rand: () => number): string {
  const pick = Math.floor(rand() * 14);
  const x = Math.round((rand() - 0.5) * 1e6) / 10 ** Math.floor(rand() * 6);
  switch (pick) {
    case 0:
      return '';
    case 1:
      return String(Math.floor(rand() * 1000));
    case 2:
      return `${x}e${Math.floor(rand() * 10) - 5}`;
    case 3:
      return ` ${x}\t`;
    case 4:
      return `"${x}"`;
    case 5:
      return '"a, ""quoted"" word"';
    case 6:
      return '"two\nlines"';
    case 7:
      return '1234567890.1234567'; // more than 15 digits
    case 8:
      return ['007', '1.', '-', '.5', '+1', 'NaN', 'Infinity'][Math.floor(rand() * 7)]!;
    case 9:
      return 'Running';
    case 10:
      return '""';
    default:
      return String(x);
  }
}

function randomBody(rand: () => number): string {
  const width = 1 + Math.floor(rand() * 6);
  const eol = rand() < 0.5 ? '\n' : '\r\n';
  const names = Array.from({ length: width }, (_, c) => (c === 1 && rand() < 0.3 ? '"b, ""the"" second"' : `col${c}`));
  const lines = [names.join(',')];
  const rows = Math.floor(rand() * 300);
  for (let r = 0; r < rows; r++) {
    if (rand() < 0.03) lines.push('');
    let row = Array.from({ length: width }, () => field(rand));
    // A line of one empty field is a blank line: a 1-column row must say something.
    if (width === 1 && row[0] === '') row = ['""'];
    lines.push(row.join(','));
  }
  const body = lines.join(eol) + (rand() < 0.5 ? eol : '');
  return (rand() < 0.2 ? '\uFEFF' : '') + (rand() < 0.1 ? eol : '') + body;
}

function actual(text: string): Expected {
  const table = parseCsvBody(Buffer.from(text), LIMITS);
  const columns = table.names.map((n) => Array.from(table.column(n)!));
  return {
    names: [...table.names],
    rows: Array.from({ length: table.count }, (_, r) => columns.map((col) => col[r])),
    lines: Array.from({ length: table.count }, (_, r) => Number(/\(line (\d+)\)/.exec(table.where(r))![1])),
  };
}

t.test('random bodies: the reference reading, value for value and line for line', async (t) => {
  const rand = rng(2026);
  for (let b = 0; b < 300; b++) {
    const text = randomBody(rand);
    const want = reference(text);
    const got = actual(text);
    if (JSON.stringify(got) !== JSON.stringify(want) || !got.rows.every((row, r) => row.every((v, c) => Object.is(v, want.rows[r]![c])))) {
      t.same(got, want, `body ${b}: ${JSON.stringify(text.slice(0, 300))}`);
      return;
    }
  }
  t.pass('300 random bodies read as the reference reads them');
});

t.test('a table is intact after later bodies are parsed', async (t) => {
  const first = parseCsvBody(Buffer.from('a,b\n1,x\n2,y\n3,z\n'), LIMITS);
  const a = first.column('a')!;
  for (let i = 0; i < 5; i++) parseCsvBody(Buffer.from(`a,b\n${Array.from({ length: 1000 }, (_, r) => `${r + 100},w${r}`).join('\n')}\n`), LIMITS);
  t.same(Array.from(a), [1, 2, 3], 'a column read before');
  t.same(Array.from(first.column('b')!), ['x', 'y', 'z'], 'a column read after');
  t.same(Array.from(first.column('a')!), [1, 2, 3]);
});

t.test('the field limit holds exactly; short fields and wide headers are read whole', async (t) => {
  const limits = { maxValues: 1000, maxContainers: 100 };
  const rows = (n: number): string => `a,b\n${Array.from({ length: n }, (_, r) => `${r % 10},${(r * 7) % 10}`).join('\n')}\n`;
  t.equal(parseCsvBody(Buffer.from(rows(499)), limits).count, 499, '1 000 fields (the header\'s 2 among them): read');
  t.throws(() => parseCsvBody(Buffer.from(rows(500)), limits), { code: 'PAYLOAD_TOO_LARGE', message: /more than 1000 fields/ }, '1 002 fields: refused');
  // One-byte fields: more fields than the first guess (a field per 4 bytes) makes room for.
  const short = parseCsvBody(Buffer.from(rows(490)), limits);
  t.same(Array.from(short.column('b')!).slice(-3), [1, 8, 5].map((_, i) => ((487 + i) * 7) % 10), 'the last rows, past the first guess');
  const letters = parseCsvBody(Buffer.from(`a,b\n${Array.from({ length: 150_000 }, (_, r) => `${r % 10},${'xyz'[r % 3]}`).join('\n')}\n`), LIMITS);
  const b = Array.from(letters.column('b')!);
  t.ok(b.length === 150_000 && b.every((v, r) => v === 'xyz'[r % 3]), 'text fields past the first guess');
  const wide = Array.from({ length: 3000 }, (_, c) => `c${c}`);
  const table = parseCsvBody(Buffer.from(`${wide.join(',')}\n${wide.map((_, c) => c).join(',')}\n`), LIMITS);
  t.equal(table.column('c2999')![0], 2999, 'a header wider than the first guess');
});
