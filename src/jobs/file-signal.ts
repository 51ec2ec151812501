// Cross-process wake-ups on SQLite, where there is no LISTEN/NOTIFY: a small file next to the
// database (`<db>.wake`). Whoever queues work (the CLI, a second process on the same file) touches
// it; every worker on that database watches it (inotify/kqueue through fs.watch) and wakes at
// once instead of at its next poll (docs/adr/0034). A touch may come before the enqueuing
// transaction commits: the worker's claim then waits for the write lock (busy_timeout) and sees
// the job once it is committed. Losing a touch costs nothing but time: the worker's poll stays
// the safety net. The file carries no data; it is created when missing.
import { closeSync, openSync, utimesSync, watch, type FSWatcher } from "node:fs";
import type { Logger } from "../ports/logger.ts";
import type { WakeSource } from "./listener.ts";

export interface FileWakeSignal extends WakeSource {
  /** Tells the workers of every process on this database that there is work. Never throws. */
  notify(): void;
}

export function wakeFileOf(sqliteFile: string): string {
  return `${sqliteFile}.wake`;
}

export function createFileWakeSignal(file: string, logger: Logger, opts: { retryMs?: number } = {}): FileWakeSignal {
  const retryMs = opts.retryMs ?? 1000;
  let watcher: FSWatcher | null = null;
  let stopped = true;
  let retry: NodeJS.Timeout | null = null;
  let onWake: () => void = () => {};

  function ensureFile(): void {
    closeSync(openSync(file, "a"));
  }

  function watchFile(): void {
    if (stopped) return;
    try {
      ensureFile();
      const w = watch(file, { persistent: false }, (event) => {
        onWake();
        // Replaced or removed (a restore, a cleanup): watch the new file.
        if (event === "rename") restart();
      });
      w.on("error", (err) => {
        logger.warn({ err }, "job wake file watch failed; watching again");
        restart();
      });
      watcher = w;
      // Work queued before the watch began: look once.
      onWake();
    } catch (err) {
      logger.warn({ err, file }, "cannot watch the job wake file; the worker polls instead");
      restart();
    }
  }

  function restart(): void {
    watcher?.close();
    watcher = null;
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      watchFile();
    }, retryMs);
    retry.unref();
  }

  return {
    notify() {
      try {
        const now = new Date();
        utimesSync(file, now, now);
      } catch {
        try {
          ensureFile();
        } catch {
          // No wake-up this time: the workers' poll finds the job.
        }
      }
    },
    async start(listener) {
      onWake = listener;
      stopped = false;
      watchFile();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      watcher?.close();
      watcher = null;
    },
  };
}
