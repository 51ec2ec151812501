// Wakes the worker when another node (or the CLI) commits new work: a LISTEN on a dedicated
// connection taken out of the pool for good. The connection can drop (database restart, network);
// then the listener reconnects with a delay and wakes the worker once, since NOTIFYs sent while
// nobody listened are lost. The worker's slow poll covers whatever falls through.
import type pg from "pg";
import type { Logger } from "../ports/logger.ts";
import { NOTIFY_CHANNEL_SQL } from "./queue.ts";

export interface WakeSource {
  /** Starts delivering wake-ups to `onWake`; never throws (it keeps retrying in the background). */
  start(onWake: () => void): Promise<void>;
  stop(): Promise<void>;
}

export function createPgJobListener(pool: pg.Pool, logger: Logger, opts: { retryMs?: number } = {}): WakeSource {
  const retryMs = opts.retryMs ?? 1000;
  // Closes the current connection; set while one is open or being opened.
  let closeCurrent: (() => void) | null = null;
  let stopped = true;
  let retry: NodeJS.Timeout | null = null;
  let onWake: () => void = () => {};

  function scheduleReconnect(): void {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, retryMs);
    retry.unref();
  }

  async function connect(): Promise<void> {
    let c: pg.PoolClient | null = null;
    let closed = false;
    // Destroys the client (a LISTENing connection must never go back to the pool), once.
    const close = (err?: unknown) => {
      if (closed) return;
      closed = true;
      if (closeCurrent === close) closeCurrent = null;
      c?.release(err instanceof Error ? err : true);
    };
    const lost = (err?: unknown) => {
      if (closed) return;
      close(err);
      if (!stopped) {
        logger.warn({ err }, "job listener lost its database connection; reconnecting");
        scheduleReconnect();
      }
    };
    closeCurrent = close;
    try {
      c = await pool.connect();
      if (closed) {
        c.release(true);
        return;
      }
      c.on("error", lost);
      c.on("end", lost);
      c.on("notification", () => onWake());
      const { rows } = await c.query<{ channel: string }>(`select ${NOTIFY_CHANNEL_SQL} as channel`);
      await c.query(`LISTEN "${rows[0]!.channel}"`);
      // NOTIFYs sent while nobody listened are gone: look once.
      if (!closed) onWake();
    } catch (err) {
      lost(err);
    }
  }

  return {
    async start(listener) {
      onWake = listener;
      stopped = false;
      await connect();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      closeCurrent?.();
    },
  };
}
