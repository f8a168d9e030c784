/**
 * Promotion from the bridge: the running production servers of a bento's service are found through the
 * records their primaries keep under `$BENTO_HOME/serving/` (runtime/cluster/serving-file.ts), each is asked
 * to promote (a request file and SIGHUP), and the outcome each writes back is awaited. A server that
 * refuses (a failed golden check, workers that die, a timeout) keeps serving its old bento: the promotion
 * fails with its reason.
 */
import { randomBytes } from 'node:crypto';
import { locateBento } from '../bento/locate.js';
import { BentoError } from '../errors.js';
import { listServing, readServing, requestPromotion, type PromotionOutcome, type ServingRecord } from '../runtime/cluster/serving-file.js';
import { formatTag } from '../store/tag.js';

export interface PromoteOptions {
  /** Largest allowed relative change of the golden answers against the old model (default: not compared). */
  tolerance?: number;
  /** Longest wait for a server's outcome (default 180 s). */
  timeoutMs?: number;
}

export interface ServerPromotion {
  pid: number;
  url: string;
  outcome: PromotionOutcome;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function awaitOutcome(server: ServingRecord, id: string, timeoutMs: number): Promise<PromotionOutcome> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const record = readServing(server.pid);
    if (record?.promotion?.id === id) return record.promotion;
    if (!listServing().some((s) => s.pid === server.pid)) throw new BentoError('NOT_FOUND', `the server on ${server.url} (pid ${server.pid}) stopped before answering the promotion`);
    await sleep(50);
  }
  throw new BentoError('TIMEOUT', `the server on ${server.url} (pid ${server.pid}) gave no promotion outcome in ${timeoutMs / 1000} s`);
}

/**
 * Promotes every running production server of the bento's service to `bento` (a tag or folder); resolves
 * with each server's outcome, or throws naming the first that refused (the others are still tried first).
 *
 * @example
 *   await promoteServing('houses_model:latest', console.log); // [{ pid, url, outcome: { state: 'succeeded', … } }]
 */
export async function promoteServing(bento: string, log: (message: string) => void, opts: PromoteOptions = {}): Promise<ServerPromotion[]> {
  const { info, dir } = await locateBento(bento, { verify: false });
  const tag = formatTag(info.name, info.version);
  const servers = listServing().filter((s) => s.service === info.name);
  if (servers.length === 0) {
    throw new BentoError('NOT_FOUND', `no production server of ${info.name} is running (start one with \`bento serve ${info.name}:latest --production\`)`);
  }
  const id = `promote-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const out: ServerPromotion[] = [];
  for (const server of servers) {
    log(`promoting the server on ${server.url} (pid ${server.pid}) from ${server.bento} to ${tag}`);
    // The folder, not the tag: the server resolves nothing again (its store may have newer versions by now).
    requestPromotion(server.pid, { id, bento: dir, ...(opts.tolerance !== undefined ? { tolerance: opts.tolerance } : {}) });
    const outcome = await awaitOutcome(server, id, opts.timeoutMs ?? 180_000);
    log(`${server.url}: ${outcome.state}${outcome.reason ? `: ${outcome.reason}` : ''} (${outcome.duration_ms} ms)`);
    out.push({ pid: server.pid, url: server.url, outcome });
  }
  const refused = out.find((p) => p.outcome.state === 'failed');
  if (refused) throw new BentoError('BAD_MODEL', `the server on ${refused.url} refused ${tag} and keeps serving ${refused.outcome.from}: ${refused.outcome.reason ?? 'no reason given'}`);
  return out;
}
