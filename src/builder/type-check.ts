/**
 * `bento build --type-check`: the service's TypeScript checked as `tsc --noEmit` would check it, before
 * anything is bundled or written. tsx and esbuild only strip types, so without it a type error in service
 * code surfaces, if at all, as a wrong answer at run time.
 *
 * The program is the service module and what it imports (not every file the project's tsconfig lists), under
 * the project's tsconfig.json when it has one; errors are reported in the project's own files only (not in
 * node_modules, nor in a framework checkout the service imports by path). TypeScript is the project's own
 * (`typescript` as the project resolves it), else the one this package was installed with.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TS from 'typescript';
import { BentoError } from '../errors.js';
import { framed, inProject } from './load-error.js';

/** One type error, its place counted from 1 as editors count. */
export interface TypeProblem {
  file: string;
  line: number;
  column: number;
  /** `TS2322`. */
  code: string;
  message: string;
}

export type TypeCheck = { checked: true; problems: TypeProblem[]; files: number } | { checked: false; why: string };

/** Whether `file` is a TypeScript module (.ts, .mts, .cts): a JavaScript one has no types to check. */
export const isTypeScript = (file: string): boolean => /\.[mc]?ts$/.test(file);

/** Errors listed after the first (framed) one, each on a line of its own. */
const MORE_LISTED = 9;

/** TypeScript as the project resolves it, else as this package does; undefined when neither has it. */
function loadTypeScript(projectDir: string): typeof TS | undefined {
  for (const from of [path.join(projectDir, 'package.json'), import.meta.url]) {
    try {
      return createRequire(from)('typescript') as typeof TS;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** Options when the project has no tsconfig.json: what `tsc --init` gives a Node project, without emitting. */
function defaultOptions(ts: typeof TS): TS.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
  };
}

/** Type-checks `serviceFile` (a .ts/.mts/.cts module of the project in `projectDir`). */
export function typeCheck(projectDir: string, serviceFile: string): TypeCheck {
  if (!isTypeScript(serviceFile)) return { checked: false, why: `${path.relative(projectDir, serviceFile)} is JavaScript` };
  const ts = loadTypeScript(projectDir);
  if (!ts) return { checked: false, why: 'typescript is not installed (npm install --save-dev typescript)' };
  const problems: TypeProblem[] = [];
  const place = (d: TS.Diagnostic): TypeProblem | undefined => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return { file: '', line: 0, column: 0, code: `TS${d.code}`, message };
    if (!inProject(projectDir, d.file.fileName)) return undefined;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { file: path.resolve(d.file.fileName), line: line + 1, column: character + 1, code: `TS${d.code}`, message };
  };
  // The project's tsconfig.json, if it is the project's (one found above the project is someone else's).
  const configFile = ts.findConfigFile(path.dirname(serviceFile), ts.sys.fileExists);
  let options = defaultOptions(ts);
  if (configFile && inProject(projectDir, configFile)) {
    // A problem of the tsconfig itself is told in the tsconfig, wherever the diagnostic says it is.
    const configProblem = (d: TS.Diagnostic): TypeProblem => place(d) ?? { file: configFile, line: 0, column: 0, code: `TS${d.code}`, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => void problems.push(configProblem(d)) });
    if (!parsed) return { checked: true, problems, files: 0 };
    problems.push(...parsed.errors.map(configProblem));
    options = parsed.options;
  }
  const checkOptions = { ...options, noEmit: true, incremental: false, composite: false, declaration: false, emitDeclarationOnly: false };
  // Relative to the project (its node_modules/@types, its paths), not to wherever the CLI was started.
  const host = ts.createCompilerHost(checkOptions);
  host.getCurrentDirectory = () => projectDir;
  const program = ts.createProgram({ rootNames: [serviceFile], options: checkOptions, host });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const p = place(d);
    if (p) problems.push(p);
  }
  return { checked: true, problems, files: program.getSourceFiles().length };
}

/**
 * The BAD_SERVICE error for `problems` (at least one): the first framed as a compiler shows it, the next
 * listed, then the count and `after` (what happens now).
 */
export function typeErrors(projectDir: string, problems: readonly TypeProblem[], after = 'bento build without --type-check builds anyway'): BentoError {
  const where = (p: TypeProblem): string => (p.file ? `${path.relative(projectDir, p.file) || p.file}${p.line > 0 ? `:${p.line}:${p.column}` : ''}: ` : '');
  const [first, ...rest] = problems as [TypeProblem, ...TypeProblem[]];
  const text = `type error ${first.code}: ${first.message}`;
  const head = first.file && first.line > 0 ? framed(projectDir, { file: first.file, line: first.line, column: first.column }, text) : `${where(first)}${text}`;
  const listed = rest.slice(0, MORE_LISTED).map((p) => `${where(p)}type error ${p.code}: ${p.message.split('\n')[0]}`);
  const unlisted = rest.length - listed.length;
  const count = problems.length === 1 ? '1 type error' : `${problems.length} type errors`;
  return new BentoError(
    'BAD_SERVICE',
    [`${head}`, ...listed, ...(unlisted > 0 ? [`… and ${unlisted} more`] : []), `(${count}; ${after})`].join('\n'),
  );
}
