/**
 * Steady keep-alive load for tests that must see no failed request while something changes under it (a
 * promotion): N undici connections, each sending the next request as soon as the last is answered, counting
 * statuses, connection errors and what the answers said. undici retries no POST, so every error counts.
 */
import { Pool } from 'undici';

export interface LoadCounts {
  requests: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  /** Requests that got no answer (reset, refused, closed before the answer), by message. */
  errors: Record<string, number>;
  /** 200 answers by what `classify` made of them. */
  kinds: Record<string, number>;
  /** The first few bodies of answers other than 200 (what they said, for the failure message). */
  others: string[];
}

export interface Load {
  counts: LoadCounts;
  /** Stops sending, waits for the requests in flight, closes the connections. */
  stop(): Promise<LoadCounts>;
}

/** Starts `connections` loops POSTing `body()` to `url + route`. */
export function startLoad(url: string, route: string, body: () => unknown, opts: { connections?: number; classify?: (answer: unknown) => string } = {}): Load {
  const connections = opts.connections ?? 16;
  const pool = new Pool(url, { connections, pipelining: 1 });
  const counts: LoadCounts = { requests: 0, statuses: {}, errors: {}, kinds: {}, others: [] };
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      counts.requests++;
      try {
        const res = await pool.request({ method: 'POST', path: route, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body()) });
        const text = await res.body.text();
        counts.statuses[res.statusCode] = (counts.statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode !== 200 && counts.others.length < 40) counts.others.push(`${new Date().toISOString()} ${res.statusCode} ${text.slice(0, 300)}`);
        if (res.statusCode === 200 && opts.classify) {
          const kind = opts.classify(JSON.parse(text));
          counts.kinds[kind] = (counts.kinds[kind] ?? 0) + 1;
        }
      } catch (err) {
        const key = `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim();
        counts.errors[key] = (counts.errors[key] ?? 0) + 1;
      }
    }
  };
  const loops = Array.from({ length: connections }, loop);
  return {
    counts,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      await pool.close();
      return counts;
    },
  };
}

/** Requests that did not get a 200 (another status, or no answer at all). */
export function failures(c: LoadCounts): number {
  return c.requests - (c.statuses[200] ?? 0);
}
