import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BentoError } from '../../src/errors.js';
import { JobQueue, type JobRecord } from '../../src/bridge/jobs.js';
import { tempDir } from '../kit/project.js';

t.test('one job at a time, in the order submitted; each record saved; a throw fails the job with its code', async (t) => {
  const dir = await tempDir(t);
  const events: string[] = [];
  let running = 0;
  const q = await JobQueue.open(dir, async (job, ctx) => {
    running++;
    t.equal(running, 1, `only ${job.request.n} runs`);
    events.push(`start ${String(job.request.n)}`);
    await ctx.step('work', 0.5);
    await new Promise((r) => setTimeout(r, 20));
    running--;
    events.push(`end ${String(job.request.n)}`);
    if (job.request.n === 2) throw new BentoError('BAD_DATA', 'two is bad');
    return { state: job.request.n === 3 ? 'rejected' : 'succeeded', result: { n: job.request.n as number } };
  });
  const jobs = await Promise.all([1, 2, 3].map((n) => q.submit('test', { n })));
  await q.idle();
  t.same(events, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  t.same(jobs.map((j) => q.get(j.id).state), ['succeeded', 'failed', 'rejected']);
  t.same(q.get(jobs[1]!.id).error, { code: 'BAD_DATA', message: 'two is bad' });
  const onDisk = JSON.parse(await fs.readFile(path.join(dir, `${jobs[0]!.id}.json`), 'utf8')) as JobRecord;
  t.match(onDisk, { state: 'succeeded', step: 'work', progress: 1, result: { n: 1 } });
  t.same(onDisk.log.map((l) => l.message), ['started', 'step: work', 'succeeded']);
  t.same((await fs.readdir(dir)).filter((f) => !f.endsWith('.json')), []);
  t.throws(() => q.get('nope'), { code: 'NOT_FOUND' });
});

t.test('a restart fails the job a crash cut off, runs the waiting ones, drops a half-written record', async (t) => {
  const dir = await tempDir(t);
  const rec = (id: string, state: JobRecord['state']): JobRecord => ({ id, kind: 'test', state, progress: 0.3, step: 'train', created: new Date().toISOString(), request: {}, log: [] });
  await fs.writeFile(path.join(dir, 'a1.json'), JSON.stringify(rec('a1', 'running')));
  await fs.writeFile(path.join(dir, 'a2.json'), JSON.stringify(rec('a2', 'queued')));
  await fs.writeFile(path.join(dir, '.tmp-a1-1234'), '{"id": "a1", "sta');
  const ran: string[] = [];
  const q = await JobQueue.open(dir, async (job) => {
    ran.push(job.id);
    return { state: 'succeeded', result: {} };
  });
  await q.idle();
  t.match(q.get('a1'), { state: 'failed', error: { code: 'INTERRUPTED', message: /step train/ } });
  t.equal(JSON.parse(await fs.readFile(path.join(dir, 'a1.json'), 'utf8')).state, 'failed', 'saved as failed');
  t.same(ran, ['a2'], 'the waiting job ran, the cut-off one did not run again');
  t.notOk(existsSync(path.join(dir, '.tmp-a1-1234')));
  // stop(): the running job finishes, the waiting ones stay queued for the next start
  let release!: () => void;
  const q2 = await JobQueue.open(await tempDir(t), () => new Promise((r) => (release = () => r({ state: 'succeeded', result: {} }))));
  const [x, y] = [await q2.submit('test', {}), await q2.submit('test', {})];
  const stopped = q2.stop();
  await new Promise((r) => setTimeout(r, 10));
  release();
  await stopped;
  t.same([q2.get(x.id).state, q2.get(y.id).state], ['succeeded', 'queued']);
});
