import t from 'tap';
import { BentoError } from '../../src/errors.js';
import { parseCsv } from '../../src/pipeline/csv.js';

t.test('reads quoted fields, doubled quotes, CRLF, embedded newlines and a BOM', async (t) => {
  const text = '\ufeffa,b,c\r\n1,"x, y",3\r\n"multi\nline","say ""hi""",\r\n\r\n4,5,6';
  const { header, rows, lines } = parseCsv(text, 'f.csv');
  t.same(header, ['a', 'b', 'c']);
  t.same(rows, [
    ['1', 'x, y', '3'],
    ['multi\nline', 'say "hi"', ''],
    ['4', '5', '6'],
  ]);
  t.same(lines, [2, 3, 6], 'line where each row starts');
});

t.test('malformed files name the file and line', async (t) => {
  const cases: [string, RegExp][] = [
    ['a,b\n1,2\n3\n', /^bad\.csv:3: expected 2 fields/],
    ['a,b\n1,"open\n', /^bad\.csv:2: unterminated quoted field/],
    ['a,b\n"x"y,2\n', /^bad\.csv:2: unexpected character after a quoted field/],
    ['', /^bad\.csv: the file is empty/],
  ];
  for (const [text, message] of cases) {
    try {
      parseCsv(text, 'bad.csv');
      t.fail(`accepted ${JSON.stringify(text)}`);
    } catch (err) {
      t.ok(err instanceof BentoError, 'a BentoError');
      t.equal((err as BentoError).code, 'BAD_DATA');
      t.match((err as BentoError).message, message);
    }
  }
});
