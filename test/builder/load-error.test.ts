// How a service module's failure to load is told: the place in the project's own code and the lines around it.
import t from 'tap';
import { codeFrame, placeInStack, serviceLoadError } from '../../src/builder/load-error.js';

t.test('the code frame: two lines either side, the line marked, a caret under the column', async (t) => {
  const src = 'a\nb\nconst x = ;\nd\ne\nf\n';
  t.equal(codeFrame(src, 3, 11), ['    1 | a', '    2 | b', '  > 3 | const x = ;', '      |           ^', '    4 | d', '    5 | e'].join('\n'));
  t.equal(codeFrame('only', 1, 1), '  > 1 | only\n      | ^', 'the first line of a one-line file');
  t.equal(codeFrame('\tx = ;', 1, 6), '  > 1 |   x = ;\n      |       ^', 'a tab counts as the two spaces it is shown as');
  t.match(codeFrame(Array.from({ length: 12 }, (_, i) => `l${i + 1}`).join('\n'), 10, 1), /^ {5}8 \| l8\n {5}9 \| l9\n {2}> 10 \| l10/, 'numbers aligned');
});

t.test('the place is the first stack frame in the project, not in its dependencies or Node', async (t) => {
  const stack = [
    'TypeError: x is not a function',
    '    at lib (/p/node_modules/dep/index.js:1:1)',
    '    at file:///p/src/app.ts?build=1796-3:12:7',
    '    at /p/service.ts:3:1',
  ].join('\n');
  t.same(placeInStack(stack, '/p'), { file: '/p/src/app.ts', line: 12, column: 7 });
  t.equal(placeInStack('Error: x\n    at node:internal/x:1:1\n    at /elsewhere/a.ts:1:1', '/p'), undefined);
});

t.test('without a place the message still names the file, in one line', async (t) => {
  const err = serviceLoadError(new Error("Cannot find package 'nope'\nmore"), '/p/service.ts', '/p');
  t.equal(err.code, 'BAD_SERVICE');
  t.equal(err.message, "service.ts: loading failed: Cannot find package 'nope'");
});
