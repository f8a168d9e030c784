// The one error printer and exit-code rule of the CLI and a bento's entry (src/errors.ts).
import t from 'tap';
import { BentoError, ERROR_STATUS, exitCodeFor, formatError, fromThrown } from '../src/errors.js';

const fsError = (code: string, path?: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something, open '${path}'`), { code, ...(path ? { path } : {}) });

t.test('a BentoError is one line, CODE: message, exit 1 for a user mistake', async (t) => {
  const err = new BentoError('BAD_ARGUMENT', '--port must be a port number (0-65535), not "x"', [{ path: '--port', message: 'not a number' }]);
  t.equal(formatError(err, false), 'BAD_ARGUMENT: --port must be a port number (0-65535), not "x"\n', 'one detail is not repeated');
  t.equal(formatError(err, true), formatError(err, false), 'no stack trace for a user mistake, even with BENTO_DEBUG');
  t.equal(exitCodeFor(err), 1);
});

t.test('several details follow the line, one per line', async (t) => {
  const err = new BentoError('BAD_CONFIG', 'bentofile.yaml has 2 problems', [
    { path: '/service', message: 'is required' },
    { path: '/labels/x', message: 'is not a string' },
  ]);
  t.equal(formatError(err, false), 'BAD_CONFIG: bentofile.yaml has 2 problems\n  /service: is required\n  /labels/x: is not a string\n');
});

t.test('exit codes: user mistakes 1, environment and internal failures 2', async (t) => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    t.equal(exitCodeFor(new BentoError(code as keyof typeof ERROR_STATUS, 'x')), status >= 500 ? 2 : 1, code);
  }
  t.equal(exitCodeFor(new BentoError('MISSING_DEPENDENCY', 'x')), 2);
  t.equal(exitCodeFor(new BentoError('TAG_NOT_FOUND', 'x')), 1);
});

t.test('anything else is INTERNAL, exit 2, with its stack only under BENTO_DEBUG', async (t) => {
  const err = new TypeError('cannot read properties of undefined');
  t.equal(formatError(err, false), 'INTERNAL: cannot read properties of undefined\n');
  const debug = formatError(err, true);
  t.match(debug, /^INTERNAL: cannot read properties of undefined\nTypeError: cannot read properties of undefined\n\s+at /, 'the stack follows');
  t.equal(exitCodeFor(err), 2);
  t.equal(formatError('a string', false), 'INTERNAL: a string\n', 'a thrown non-Error');
  t.equal(formatError(undefined, false), 'INTERNAL: undefined\n');
  t.equal(exitCodeFor(undefined), 2);
  t.match(formatError(new BentoError('INTERNAL', 'oops'), true), /^INTERNAL: oops\nBentoError: oops\n\s+at /, 'a coded INTERNAL shows its stack under BENTO_DEBUG');
});

t.test('BENTO_DEBUG decides by default', async (t) => {
  const before = process.env.BENTO_DEBUG;
  t.teardown(() => (before === undefined ? delete process.env.BENTO_DEBUG : (process.env.BENTO_DEBUG = before)));
  delete process.env.BENTO_DEBUG;
  t.equal(formatError(new Error('boom')), 'INTERNAL: boom\n');
  process.env.BENTO_DEBUG = '1';
  t.match(formatError(new Error('boom')), /\n\s+at /);
});

t.test('file-system mistakes a user can make are one readable line and exit 1', async (t) => {
  const cases: Array<[NodeJS.ErrnoException, string]> = [
    [fsError('ENOENT', '/no/such.csv'), 'FILE_NOT_FOUND: no such file: /no/such.csv\n'],
    [fsError('EISDIR', '/tmp'), 'BAD_ARGUMENT: /tmp: is a folder, not a file\n'],
    [fsError('ENOTDIR', '/etc/passwd/x'), 'BAD_ARGUMENT: /etc/passwd/x: is not a folder\n'],
    [fsError('EACCES', '/root/x'), 'BAD_ARGUMENT: /root/x: permission denied\n'],
    [fsError('EACCES'), 'BAD_ARGUMENT: a path you gave: permission denied\n'],
  ];
  for (const [err, line] of cases) {
    t.equal(formatError(err, true), line, String(err.code));
    t.equal(exitCodeFor(err), 1, `${err.code} exits 1`);
  }
  const noPath = fsError('ENOENT');
  t.equal(fromThrown(noPath).code, 'INTERNAL', 'ENOENT without a path names nothing a user gave');
  t.equal(exitCodeFor(fsError('EMFILE', '/x')), 2, 'too many open files is the environment');
});
