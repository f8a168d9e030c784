/**
 * A small CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF, newlines inside quotes).
 * Errors name the file, line and column, so a user can find the bad cell.
 */
import { BentoError } from '../errors.js';

export interface CsvTable {
  header: string[];
  rows: string[][];
  /** The 1-based line number where each row starts (for error messages). */
  lines: number[];
}

/**
 * Parses CSV text whose first record is the header. Blank lines are skipped; a row with a different
 * number of fields than the header, or an unterminated quote, is a BAD_DATA error.
 *
 * @example
 *   const { header, rows } = parseCsv('a,b\n1,"x, y"\n', 'data.csv');
 */
export function parseCsv(text: string, file: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let atRecordEnd = false;
    while (!atRecordEnd) {
      if (text[i] === '"') {
        // quoted field: runs to the next lone quote
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n) {
            throw new BentoError('BAD_DATA', `${file}:${quoteLine}: unterminated quoted field (column ${fields.length + 1})`, [
              { path: `${file}:${quoteLine}`, message: 'unterminated quoted field' },
            ]);
          }
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new BentoError('BAD_DATA', `${file}:${line}: unexpected character after a quoted field (column ${fields.length + 1})`, [
            { path: `${file}:${line}`, message: 'unexpected character after a closing quote' },
          ]);
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      field = '';
      const c = text[i];
      if (c === ',') {
        i++;
      } else {
        if (c === '\r') i++;
        if (text[i] === '\n') i++;
        line++;
        atRecordEnd = true;
      }
    }
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    records.push(fields);
    lines.push(startLine);
  }
  if (records.length === 0) {
    throw new BentoError('BAD_DATA', `${file}: the file is empty (no header row)`, [{ path: file, message: 'empty file' }]);
  }
  const header = records[0]!.map((h) => h.trim());
  const rows = records.slice(1);
  const rowLines = lines.slice(1);
  for (let r = 0; r < rows.length; r++) {
    if (rows[r]!.length !== header.length) {
      const at = `${file}:${rowLines[r]}`;
      throw new BentoError('BAD_DATA', `${at}: expected ${header.length} fields like the header, found ${rows[r]!.length}`, [
        { path: at, message: `expected ${header.length} fields, found ${rows[r]!.length}` },
      ]);
    }
  }
  return { header, rows, lines: rowLines };
}
