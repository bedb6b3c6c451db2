/**
 * The live feed (`GET /admin/v1/events`, Server-Sent Events): one `graph` event a second to every open page. The
 * graph is built once per tick for all of them, and the timer runs only while a page is connected.
 */
import type { ServerResponse } from 'node:http';

export const TICK_MS = 1000;
/** Pages connected at once; more get 503 (a console is for people, not a fan-out). */
export const MAX_CLIENTS = 32;
/** A page that stopped reading is cut once this much is waiting for it. */
const MAX_BUFFERED = 1024 * 1024;

export class LiveFeed {
  readonly #clients = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly snapshot: () => unknown) {}

  get clients(): number {
    return this.#clients.size;
  }

  /** Takes over a raw response; false when full. */
  add(res: ServerResponse): boolean {
    if (this.#clients.size >= MAX_CLIENTS) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n\n`);
    this.#clients.add(res);
    res.once('close', () => this.#remove(res));
    this.#send([res]);
    this.#timer ??= setInterval(() => this.#send(this.#clients), TICK_MS).unref();
    return true;
  }

  /** Ends every stream (shutdown: the admin port cannot close while they are open). */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stop();
  }

  #send(to: Iterable<ServerResponse>): void {
    let frame: string;
    try {
      frame = `event: graph\ndata: ${JSON.stringify(this.snapshot())}\n\n`;
    } catch {
      return;
    }
    for (const res of to) {
      if (res.writableEnded) continue;
      if (res.writableLength > MAX_BUFFERED) res.destroy();
      else res.write(frame);
    }
  }

  #remove(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0) this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
