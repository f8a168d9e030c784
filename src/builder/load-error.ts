/**
 * Why a service module failed to load, told as a compiler tells it: `file:line:column: message` and a code
 * frame of the lines around it. A syntax error carries its place in esbuild's message (tsx compiles with
 * esbuild); an exception thrown while the module runs carries it in its stack (source-mapped to the .ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync, type Loader, type TransformFailure } from 'esbuild';
import { BentoError, isBentoError } from '../errors.js';

/** A place in a source file; line and column count from 1, as editors do. */
export interface SourcePlace {
  file: string;
  line: number;
  column: number;
}

// esbuild: "/abs/service.ts:3:12: ERROR: Expected "}" but found ..." (its column counts from 0).
const ESBUILD_LINE = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m;
// V8 stack frames: "    at fn (/abs/file.ts:3:22)", "    at file:///abs/file.ts?build=1:3:22".
const STACK_FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

function fileOf(location: string): string {
  const bare = location.replace(/\?[^:]*$/, '');
  return bare.startsWith('file://') ? fileURLToPath(bare) : bare;
}

/** Whether `file` is the project's own code: inside the project folder, not in a node_modules. */
export function inProject(projectDir: string, file: string): boolean {
  const rel = path.relative(projectDir, file);
  return !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('node_modules');
}

/** The first frame of `stack` in the project's own code (not its dependencies). */
export function placeInStack(stack: string, projectDir: string): SourcePlace | undefined {
  for (const line of stack.split('\n')) {
    const m = STACK_FRAME.exec(line);
    if (!m) continue;
    const file = fileOf(m[1]!);
    if (path.isAbsolute(file) && inProject(projectDir, file)) return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

// Node's own compile errors start their stack with "/abs/file.js:2", the line, and a caret under the column.
const COMPILE_HEAD = /^(.+?):(\d+)\n(.*)\n( *)\^/;

function compilePlace(stack: string, projectDir: string): SourcePlace | undefined {
  const m = COMPILE_HEAD.exec(stack);
  if (!m || !path.isAbsolute(m[1]!) || !inProject(projectDir, m[1]!)) return undefined;
  return { file: m[1]!, line: Number(m[2]), column: m[4]!.length + 1 };
}

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js' };

/**
 * Where esbuild finds a syntax error in `file`: for the SyntaxErrors Node's own parser throws (a plain .js
 * module) without saying where.
 */
function syntaxPlace(file: string): { place: SourcePlace; message: string } | undefined {
  const loader = LOADERS[path.extname(file)];
  if (!loader) return undefined;
  try {
    transformSync(readFileSync(file, 'utf8'), { loader, sourcefile: file, format: 'esm', logLevel: 'silent' });
  } catch (err) {
    const first = (err as TransformFailure).errors?.[0];
    if (first?.location) return { place: { file, line: first.location.line, column: first.location.column + 1 }, message: first.text };
  }
  return undefined;
}

/**
 * The lines around `line` with a caret under `column`, numbered.
 *
 * @example
 *   codeFrame('a\nb c\nd', 2, 3)
 *   //     1 | a
 *   //   > 2 | b c
 *   //       |   ^
 *   //     3 | d
 */
export function codeFrame(source: string, line: number, column: number, around = 2): string {
  const lines = source.replace(/\r?\n$/, '').split(/\r?\n/);
  const first = Math.max(1, line - around);
  const last = Math.min(lines.length, line + around);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = (lines[n - 1] ?? '').replace(/\t/g, '  ');
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${text}`.trimEnd());
    if (n === line) {
      const before = (lines[n - 1] ?? '').slice(0, Math.max(0, column - 1)).replace(/\t/g, '  ');
      out.push(`  ${' '.repeat(width)} | ${' '.repeat(before.length)}^`);
    }
  }
  return out.map((l) => `  ${l}`).join('\n');
}

/** `file:line:column: message` (the file relative to the project) and the code frame around the place. */
export function framed(projectDir: string, place: SourcePlace, message: string): string {
  const shown = path.relative(projectDir, place.file) || place.file;
  let frame = '';
  try {
    frame = `\n${codeFrame(readFileSync(place.file, 'utf8'), place.line, place.column)}`;
  } catch {
    // the file went away since: the place alone still says where to look
  }
  return `${shown}:${place.line}:${place.column}: ${message}${frame}`;
}

/**
 * The error to show when importing the service module `file` threw `err`: BAD_SERVICE (or the service's own
 * BentoError, e.g. a bad api() option) with the place in the project's code and a code frame when known.
 */
export function serviceLoadError(err: unknown, file: string, projectDir: string): BentoError {
  const e = err instanceof Error ? err : new Error(String(err));
  const syntax = ESBUILD_LINE.exec(e.message);
  if (syntax) {
    const place = { file: path.resolve(syntax[1]!), line: Number(syntax[2]), column: Number(syntax[3]) + 1 };
    return new BentoError('BAD_SERVICE', framed(projectDir, place, `syntax error: ${syntax[4]}`));
  }
  const place = (e.stack ? placeInStack(e.stack, projectDir) : undefined) ?? compilePlace(e.stack ?? '', projectDir);
  if (isBentoError(e)) return place ? new BentoError(e.code, framed(projectDir, place, e.message), e.details) : e;
  if (!place && e.name === 'SyntaxError') {
    const found = syntaxPlace(file);
    if (found) return new BentoError('BAD_SERVICE', framed(projectDir, found.place, `syntax error: ${found.message}`));
  }
  const what = e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  const firstLine = what.split('\n')[0]!;
  if (place) return new BentoError('BAD_SERVICE', framed(projectDir, place, firstLine));
  return new BentoError('BAD_SERVICE', `${path.relative(projectDir, file) || file}: loading failed: ${firstLine}`);
}
