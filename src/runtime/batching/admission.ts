/**
 * Admission control at the door. `check()` runs before a request's body is read (Node has one thread, and
 * under overload the time lost is parsing bodies of requests that would be shed anyway); `enter()` takes a
 * slot once the body has arrived, so a client trickling its body holds no slot (the body timeout ends it).
 * Under overload (the adaptive limit below max_concurrency) the door also counts the requests it let in
 * during the last 100–200 ms whose bodies are still being read: they are parsing work already accepted,
 * and not counting them let a backlog of bodies build up in front of the model (answers took seconds).
 * Older ones stop counting, so slow uploads never block the door.
 * A request is turned away when
 *   - `max_concurrency` API requests are already in flight (429), or
 *   - more are in flight than the adaptive limit (503). The limit follows the latency of the answered
 *     requests, AIMD-style, every 100 ms: down by a fifth of the interval's peak in flight when several
 *     requests (at least two, and a tenth of those answered) used more than 80 % of their own budget; up by
 *     a tenth when all used under half while the limit was being reached (probing under load), and doubled
 *     in a calm interval (the limit not reached, nobody late), so a light-traffic server that had one bad
 *     moment does not keep a limit of 2 until traffic comes to raise it. One slow outlier changes nothing.
 */
import { BentoError } from '../../errors.js';
import { ShedError } from './batcher.js';

const HIGH = 0.8;
const LOW = 0.5;
/** Late requests in one interval before the limit comes down (one outlier is not overload). */
const MIN_LATE = 2;
const LATE_SHARE = 0.1;

export class Admission {
  private inFlight = 0;
  /** Requests allowed in flight now (adapted; never above max_concurrency). */
  limit: number;
  /** Largest share of its budget an answered request used in this interval. */
  private worst = 0;
  private late = 0;
  private answered = 0;
  private peak = 0;
  private reachedLimit = false;
  /** Requests let in at the door whose bodies are still being read, in this interval and the one before. */
  private arrivingNow = 0;
  private arrivingBefore = 0;
  private tick = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly maxConcurrency: number,
    intervalMs = 100,
  ) {
    this.limit = maxConcurrency;
    this.timer = setInterval(() => this.adapt(), intervalMs);
    this.timer.unref();
  }

  /** Requests holding a slot now. */
  get active(): number {
    return this.inFlight;
  }

  /** Whether a request would be admitted now; throws the error to answer it with if not. Takes no slot. */
  check(): void {
    if (this.inFlight >= this.maxConcurrency) {
      throw new BentoError('TOO_MANY_REQUESTS', `${this.inFlight} requests are in flight, the most this server takes at once; retry later`);
    }
    const busy = this.limit < this.maxConcurrency ? this.inFlight + this.arrivingNow + this.arrivingBefore : this.inFlight;
    if (busy >= this.limit) {
      this.reachedLimit = true;
      throw new ShedError(`overloaded: ${busy} requests in flight already take this server's latency budget; retry in 1 s`, 1);
    }
  }

  /** Checks a request at the door and counts it as arriving; the mark goes to `arrived` once its body is read. */
  door(): number {
    this.check();
    this.arrivingNow++;
    return this.tick;
  }

  /** The body of a request let in at interval `mark` has arrived (or it ended): it no longer counts as arriving. */
  arrived(mark: number): void {
    if (mark === this.tick) this.arrivingNow--;
    else if (mark === this.tick - 1) this.arrivingBefore--;
  }

  /** Admits a request (takes a slot), or throws the error to answer it with. */
  enter(): void {
    this.check();
    this.inFlight++;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
    if (this.inFlight >= this.limit) this.reachedLimit = true;
  }

  /** An admitted request ended (answered, or its client went away) after `ms` milliseconds, of a budget of `budgetMs`. */
  leave(ms: number, budgetMs: number): void {
    this.inFlight--;
    const share = ms / budgetMs;
    this.answered++;
    if (share > HIGH) this.late++;
    if (share > this.worst) this.worst = share;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private adapt(): void {
    if (this.late >= MIN_LATE && this.late >= LATE_SHARE * this.answered) {
      this.limit = Math.max(1, Math.floor(Math.min(this.limit, this.peak + 1) * 0.8));
    } else if (this.reachedLimit && this.worst < LOW) {
      this.limit = Math.min(this.maxConcurrency, this.limit + Math.max(1, Math.floor(this.limit * 0.1)));
    } else if (!this.reachedLimit && this.late === 0 && this.limit < this.maxConcurrency) {
      this.limit = Math.min(this.maxConcurrency, this.limit * 2);
    }
    this.worst = 0;
    this.late = 0;
    this.answered = 0;
    this.peak = this.inFlight;
    this.reachedLimit = false;
    this.arrivingBefore = this.arrivingNow;
    this.arrivingNow = 0;
    this.tick++;
  }
}
