/**
 * A request body read as a table — CSV, or JSON columns (pandas' `orient="list"`) — for the rows APIs:
 * columns by name, each a list of values by row (`undefined` where a value is missing, as a key absent
 * from a record). The route validates and preprocesses a table column by column, and builds records from
 * it only for code that asks for records (a custom preprocess or postprocess, the payload log).
 */
import { BentoError } from '../../errors.js';
import type { ColumnTable } from '../../pipeline/rules.js';
import type { Records } from '../../pipeline/preprocess.js';

export abstract class Table implements ColumnTable {
  abstract readonly format: 'csv' | 'columns';
  abstract readonly names: readonly string[];
  abstract readonly count: number;
  private records?: Records;

  /** The values of column `index`, by row. */
  protected abstract values(index: number): ArrayLike<unknown>;

  /** The values of column `name`, by row, or undefined when the table has no such column. */
  column(name: string): ArrayLike<unknown> | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.values(i);
  }

  /** Where row `row` is, for a message: " (line 7)" for CSV, "" otherwise. */
  where(_row: number): string {
    return '';
  }

  /** The rows as records (a value that is missing is a key left out), built once. */
  toRecords(): Records {
    if (this.records) return this.records;
    const records: Array<Record<string, unknown>> = Array.from({ length: this.count }, () => ({}));
    this.names.forEach((name, c) => {
      const col = this.values(c);
      for (let r = 0; r < this.count; r++) if (col[r] !== undefined) records[r]![name] = col[r];
    });
    return (this.records = records);
  }

  /** What the payload log stores of a table body: its records. */
  toJSON(): Records {
    return this.toRecords();
  }
}

/** A JSON columns body: `{"a": [1, 2], "b": [3, 4]}`. */
export class JsonColumns extends Table {
  readonly format = 'columns';
  readonly names: readonly string[];
  readonly count: number;
  private readonly cols: unknown[][];

  private constructor(body: Record<string, unknown[]>) {
    super();
    this.names = Object.keys(body);
    this.cols = this.names.map((n) => body[n]!);
    this.count = this.cols[0]?.length ?? 0;
  }

  protected values(index: number): readonly unknown[] {
    return this.cols[index]!;
  }

  /**
   * The table a JSON body is, when it is an object of columns (every value an array, at least one), else
   * undefined (the body is then validated as it is). Columns of different lengths are a 400 naming one.
   */
  static of(body: unknown): JsonColumns | undefined {
    if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Table) return undefined;
    const cols = body as Record<string, unknown>;
    let first: string | undefined;
    for (const name in cols) {
      if (!Array.isArray(cols[name])) return undefined;
      first ??= name;
    }
    if (first === undefined) return undefined;
    const n = (cols[first] as unknown[]).length;
    for (const name in cols) {
      const m = (cols[name] as unknown[]).length;
      if (m !== n) {
        const why = `has ${m} values where column "${first}" has ${n}: every column must have one value per row`;
        throw new BentoError('INVALID_INPUT', `invalid request body: column "${name}" ${why}`, [{ path: `/${name}`, message: why }]);
      }
    }
    // A hole in a sparse array (`[1,,2]` cannot be written in JSON, but `new Array(3)` can be passed in
    // process) reads as undefined: missing, as it should.
    return new JsonColumns(cols as Record<string, unknown[]>);
  }
}
