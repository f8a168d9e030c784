/**
 * The cost of one model call as a function of its batch size, `duration ≈ a·rows + b`, refitted by least
 * squares over the most recent batches (BentoML's dispatcher keeps the same linear model). The batcher uses
 * it to decide whether waiting for more requests pays off and whether a request can still meet its budget.
 */
export class CostModel {
  private readonly sizes: number[] = [];
  private readonly durations: number[] = [];
  private next = 0;
  /** Milliseconds per row. */
  a = 0;
  /** Milliseconds per call, whatever its size. */
  b = 0;
  /**
   * The latest call of a size near the largest seen. While only much smaller calls come (single records
   * after a burst of bulk requests, or after warm-up), the slope fitted over sizes 1–2 is noise that,
   * extrapolated to a 10 000-row request, judged it seconds late; this call keeps the fit anchored.
   */
  private anchor: { rows: number; ms: number } | undefined;
  private largest = 0;

  constructor(private readonly window = 64) {}

  /** How many batches the fit is based on (at most the window). */
  get samples(): number {
    return this.sizes.length;
  }

  /**
   * Records one batch of `rows` rows that took `ms` milliseconds, and refits. Once the fit has a few
   * samples, one call counts at most 4× its estimate (+1 ms): a single outlier (a GC pause, a slow disk)
   * must not make every later request look too expensive to admit; a lasting slowdown still raises the
   * estimate within a few calls.
   */
  observe(rows: number, ms: number): void {
    if (!(rows > 0) || !(ms >= 0) || !Number.isFinite(ms)) return;
    if (this.sizes.length >= 4) ms = Math.min(ms, 4 * this.estimate(rows) + 1);
    if (rows >= 0.5 * this.largest) this.anchor = { rows, ms };
    this.largest = Math.max(this.largest, rows);
    if (this.sizes.length < this.window) {
      this.sizes.push(rows);
      this.durations.push(ms);
    } else {
      this.sizes[this.next] = rows;
      this.durations[this.next] = ms;
      this.next = (this.next + 1) % this.window;
    }
    this.fit();
  }

  /** Expected milliseconds of one call of `rows` rows (0 before any observation). */
  estimate(rows: number): number {
    return this.a * rows + this.b;
  }

  private fit(): void {
    const xs = this.sizes;
    const ys = this.durations;
    const k = xs.length;
    let largest = 0;
    for (let i = 0; i < k; i++) largest = Math.max(largest, xs[i]!);
    // The window holds no call of even half the anchor's size: the anchor joins the fit, weighted as a
    // quarter of the window, so the slope spans the sizes requests actually come in.
    const anchor = this.anchor;
    const w = anchor && largest < 0.5 * anchor.rows ? Math.max(1, Math.round(k / 4)) : 0;
    const n = k + w;
    let sx = w * (anchor?.rows ?? 0);
    let sy = w * (anchor?.ms ?? 0);
    for (let i = 0; i < k; i++) {
      sx += xs[i]!;
      sy += ys[i]!;
    }
    const mx = sx / n;
    const my = sy / n;
    let sxx = 0;
    let sxy = 0;
    if (w > 0) {
      const dx = anchor!.rows - mx;
      sxx += w * dx * dx;
      sxy += w * dx * (anchor!.ms - my);
    }
    for (let i = 0; i < k; i++) {
      const dx = xs[i]! - mx;
      sxx += dx * dx;
      sxy += dx * (ys[i]! - my);
    }
    // One batch size only: no slope to fit, so charge the cost per row (pessimistic for bigger batches).
    let a = sxx > 1e-9 ? sxy / sxx : my / mx;
    let b = sxx > 1e-9 ? my - a * mx : 0;
    // Noise can give a negative term; neither cost can be below zero.
    if (a < 0) {
      a = 0;
      b = my;
    } else if (b < 0) {
      b = 0;
      a = my / mx;
    }
    this.a = a;
    this.b = b;
  }
}
