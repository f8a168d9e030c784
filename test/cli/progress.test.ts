import { Writable } from 'node:stream';
import t from 'tap';
import { progressBar } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  return { stream: Object.assign(w, { isTTY }) as unknown as NodeJS.WriteStream, text: () => out };
}

t.test('draws on a terminal, ends at 100 %, clears the line', async (t) => {
  const s = fakeStream(true);
  const bar = progressBar('grid search', { stream: s.stream, width: 10 });
  bar.update(0, 4);
  bar.update(4, 4);
  t.match(s.text(), /\rgrid search \[##########\] 4\/4 100%/);
  bar.stop();
  t.match(s.text(), /\r\x1b\[2K$/);
});

t.test('silent when the stream is not a terminal (pipes, CI logs)', async (t) => {
  const s = fakeStream(false);
  const bar = progressBar('grid search', { stream: s.stream });
  for (let i = 0; i <= 10; i++) bar.update(i, 10);
  bar.stop();
  t.equal(s.text(), '');
});
