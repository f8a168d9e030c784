/**
 * The primary's connection dealer: the primary owns the listening socket and hands each new connection to
 * a live, ready worker, round-robin. Node's own round-robin loses a connection handed to a worker that
 * dies before taking it (the client then hangs for ever); here the primary keeps its copy of the socket
 * until the worker confirms, and deals it again to another worker if that one dies first. A connection
 * arriving while no worker is ready waits in the primary (paused, nothing read) until one is.
 */
import net from 'node:net';
import type { Worker } from 'node:cluster';

export const CONNECTION = 'bento:connection';
export const TAKEN = 'bento:taken';

interface Handed {
  socket: net.Socket;
  worker: number;
}

export class Dealer {
  private readonly ready: Worker[] = [];
  private next = 0;
  private readonly waiting: net.Socket[] = [];
  private readonly handed = new Map<number, Handed>();
  private seq = 0;
  private closed = false;

  /** A worker is ready: it gets connections from now on (and any waiting ones). */
  add(worker: Worker): void {
    if (this.closed || this.ready.includes(worker)) return;
    this.ready.push(worker);
    for (const socket of this.waiting.splice(0)) this.deal(socket);
  }

  /** A worker died or is draining: no new connections; the ones it had not taken yet go to another. */
  remove(worker: Worker): void {
    const i = this.ready.indexOf(worker);
    if (i >= 0) this.ready.splice(i, 1);
    for (const [id, h] of this.handed) {
      if (h.worker !== worker.id) continue;
      this.handed.delete(id);
      this.deal(h.socket);
    }
  }

  /** A new connection (from a server created with pauseOnConnect). */
  deal(socket: net.Socket): void {
    if (this.closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    const worker = this.pick();
    if (!worker) {
      this.waiting.push(socket);
      return;
    }
    const id = ++this.seq;
    this.handed.set(id, { socket, worker: worker.id });
    // keepOpen: the primary's copy stays open until the worker confirms it has the connection.
    worker.send({ type: CONNECTION, id }, socket, { keepOpen: true }, (err: Error | null) => {
      if (err && this.handed.delete(id)) {
        this.remove(worker);
        this.deal(socket);
      }
    });
  }

  /** The worker has the connection: the primary's copy is closed (the connection itself stays open). */
  taken(id: number): void {
    const h = this.handed.get(id);
    if (!h) return;
    this.handed.delete(id);
    h.socket.destroy();
  }

  /** Stops dealing: connections not yet handed over are closed. */
  close(): void {
    this.closed = true;
    for (const socket of this.waiting.splice(0)) socket.destroy();
  }

  private pick(): Worker | undefined {
    while (this.ready.length > 0) {
      const w = this.ready[this.next++ % this.ready.length]!;
      if (w.isConnected() && !w.isDead()) return w;
      this.ready.splice(this.ready.indexOf(w), 1);
    }
    return undefined;
  }
}
