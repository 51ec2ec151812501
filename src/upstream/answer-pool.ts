// One worker thread per process for reading large upstream answers off the event loop (ADR 0043).
// Started on the first large answer, ended after half a minute idle (its heap would otherwise sit
// in the resident size of an idle server); it keeps the process alive only while it reads. A worker that dies
// fails the readings in flight as internal errors (the caller's outcome is then "unknown") and
// the next reading starts a new one.
import { Worker } from "node:worker_threads";
import type { AnswerReading, OffThreadTask } from "./answer-reading.ts";
import type { AnswerJob } from "./answer-worker.ts";

const IDLE_MS = 30_000;

// The worker's file sits beside this one: .js in dist/; .ts when this runs under tsx (tests,
// development), where the worker registers tsx itself (a worker does not inherit its hooks).
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(`./answer-worker${FROM_SOURCE ? ".ts" : ".js"}`, import.meta.url);

function newWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL);
  const tsx = import.meta.resolve("tsx/esm/api");
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`, { eval: true });
}

let worker: Worker | undefined;
let nextId = 1;
let idleTimer: NodeJS.Timeout | undefined;
const pending = new Map<number, (r: AnswerReading<unknown>) => void>();

function failAll(message: string): void {
  for (const resolve of pending.values()) resolve({ kind: "internal", message });
  pending.clear();
}

function start(): Worker {
  const w = newWorker();
  w.on("message", (m: { id: number; reading: AnswerReading<unknown> }) => {
    const resolve = pending.get(m.id);
    pending.delete(m.id);
    resolve?.(m.reading);
    if (pending.size === 0) idleSoon();
  });
  w.on("error", (e) => {
    if (worker === w) worker = undefined;
    failAll(`the answer reader failed: ${e.message}`);
  });
  w.on("exit", () => {
    if (worker === w) worker = undefined;
    failAll("the answer reader stopped");
  });
  return w;
}

function idleSoon(): void {
  // Idle, it must not keep the process alive; while it reads, it does (a CLI command waits for it).
  worker?.unref();
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (pending.size > 0 || !worker) return;
    const w = worker;
    worker = undefined;
    void w.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

/** Reads `body` in the worker thread; the buffer is handed over (not copied) and unusable after. */
export function readOffThread<T>(body: Uint8Array, task: OffThreadTask): Promise<AnswerReading<T>> {
  clearTimeout(idleTimer);
  worker ??= start();
  worker.ref();
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve as (r: AnswerReading<unknown>) => void);
    const job: AnswerJob = { id, body, task };
    worker!.postMessage(job, [body.buffer as ArrayBuffer]);
  });
}
