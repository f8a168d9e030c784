/** Bounded concurrency for a build's file I/O: enough to overlap disk waits, few enough not to exhaust descriptors. */

/**
 * Runs `fn` on every item, at most `limit` at a time; the results are in the items' order.
 *
 * @example
 *   const digests = await mapLimit(files, 8, (f) => sha256File(f));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
