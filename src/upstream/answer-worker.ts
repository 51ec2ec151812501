// The worker thread that reads large upstream answers (./answer-pool.ts): a whole-account list of
// 20,000 modules is ~5 MB of XML and seconds of parsing, which would stall every request of the
// process if it ran on the main thread (issue 17, item 4; ADR 0043).
import { parentPort } from "node:worker_threads";
import { readAnswer, readerOf, type OffThreadTask } from "./answer-reading.ts";

export interface AnswerJob {
  id: number;
  body: Uint8Array;
  task: OffThreadTask;
}

const decoder = new TextDecoder("utf-8");

parentPort?.on("message", (job: AnswerJob) => {
  const reading = readAnswer(decoder.decode(job.body), readerOf(job.task));
  parentPort!.postMessage({ id: job.id, reading });
});
