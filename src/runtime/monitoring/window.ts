/**
 * The sliding window of one API: the last N model rows it served and their predictions, in a ring
 * buffer (a request costs a copy of its last ≤ N rows, nothing else), plus snapshots that travel
 * between cluster workers and merge into the last N records of the whole service.
 */

/** One window's content, oldest record first, as plain data (it crosses the cluster IPC as JSON). */
export interface WindowSnapshot {
  api: string;
  /** Features per row. */
  width: number;
  /** Records the window keeps (the merged window keeps as many). */
  capacity: number;
  /** Row-major model inputs, `times.length` × `width`. */
  rows: number[];
  /** One prediction per row. */
  outputs: number[];
  /** When each row was served (ms since the epoch). */
  times: number[];
  /** Rows ever observed by the window's process, with its pid: identifies the content for caching. */
  seen: string;
}

export class RecordWindow {
  private readonly rows: Float32Array;
  private readonly outputs: Float32Array;
  private readonly times: Float64Array;
  /** Next slot to write. */
  private head = 0;
  private size = 0;
  /** Rows ever observed. */
  seen = 0;

  constructor(
    readonly api: string,
    readonly capacity: number,
    readonly width: number,
  ) {
    this.rows = new Float32Array(capacity * width);
    this.outputs = new Float32Array(capacity);
    this.times = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /**
   * Adds `count` rows (row-major `data`) and their outputs (`outputs.length / count` per row: the first is
   * kept), all served at `time`. Only the last `capacity` rows of a large request are copied.
   */
  observe(data: Float32Array, count: number, outputs: Float32Array, time: number): void {
    if (count <= 0) return;
    const { capacity: cap, width } = this;
    const n = Math.min(count, cap);
    const first = count - n;
    const per = outputs.length / count;
    let done = 0;
    while (done < n) {
      const chunk = Math.min(n - done, cap - this.head);
      const from = first + done;
      this.rows.set(data.subarray(from * width, (from + chunk) * width), this.head * width);
      if (per === 1) this.outputs.set(outputs.subarray(from, from + chunk), this.head);
      else for (let i = 0; i < chunk; i++) this.outputs[this.head + i] = Number.isInteger(per) ? outputs[(from + i) * per]! : NaN;
      this.times.fill(time, this.head, this.head + chunk);
      this.head = (this.head + chunk) % cap;
      done += chunk;
    }
    this.size = Math.min(cap, this.size + n);
    this.seen += count;
  }

  /** The content, oldest first. */
  snapshot(): WindowSnapshot {
    const { capacity: cap, width, size } = this;
    const start = (this.head - size + cap) % cap;
    const rows = new Array<number>(size * width);
    const outputs = new Array<number>(size);
    const times = new Array<number>(size);
    for (let k = 0; k < size; k++) {
      const slot = (start + k) % cap;
      for (let j = 0; j < width; j++) rows[k * width + j] = this.rows[slot * width + j]!;
      outputs[k] = this.outputs[slot]!;
      times[k] = this.times[slot]!;
    }
    return { api: this.api, width, capacity: cap, rows, outputs, times, seen: `${process.pid}:${this.seen}` };
  }
}

/**
 * The last `capacity` records of several windows of the same API (one per worker), by serving time;
 * ties keep the order of `parts`, then each part's own order.
 */
export function mergeSnapshots(parts: readonly WindowSnapshot[]): WindowSnapshot | undefined {
  if (parts.length === 0) return undefined;
  const capacity = Math.max(...parts.map((p) => p.capacity));
  if (parts.length === 1 && parts[0]!.times.length <= capacity) return parts[0];
  const width = parts[0]!.width;
  const index: Array<[number, number]> = [];
  parts.forEach((p, pi) => p.times.forEach((_, k) => index.push([pi, k])));
  index.sort((a, b) => parts[a[0]]!.times[a[1]]! - parts[b[0]]!.times[b[1]]! || a[0] - b[0] || a[1] - b[1]);
  const keep = index.slice(Math.max(0, index.length - capacity));
  const rows: number[] = [];
  const outputs: number[] = [];
  const times: number[] = [];
  for (const [pi, k] of keep) {
    const p = parts[pi]!;
    for (let j = 0; j < width; j++) rows.push(p.rows[k * width + j]!);
    outputs.push(p.outputs[k]!);
    times.push(p.times[k]!);
  }
  return { api: parts[0]!.api, width, capacity, rows, outputs, times, seen: parts.map((p) => p.seen).join(',') };
}

/** Groups snapshots by API and merges each group into its last `capacity` records. */
export function mergeByApi(parts: readonly WindowSnapshot[]): WindowSnapshot[] {
  const byApi = new Map<string, WindowSnapshot[]>();
  for (const p of parts) {
    const list = byApi.get(p.api);
    if (list) list.push(p);
    else byApi.set(p.api, [p]);
  }
  const out: WindowSnapshot[] = [];
  for (const list of byApi.values()) {
    const merged = mergeSnapshots(list);
    if (merged) out.push(merged);
  }
  return out;
}
