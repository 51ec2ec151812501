// A conformance report for people (one line per check, then a summary) and for machines (JSON).
// Details that quote the target were made one-line and control-character-free by ./rules.ts.
import type { ConformanceReport } from "./run.ts";

const LABEL = { pass: "PASS", fail: "FAIL", warn: "WARN", info: "INFO", skip: "SKIP" } as const;

export function formatText(report: ConformanceReport): string {
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines = report.checks.map((c) => `${LABEL[c.status]}  ${c.id.padEnd(width)}  ${c.title}${c.detail !== undefined ? `  (${c.detail})` : ""}`);
  const s = report.summary;
  const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
  lines.push(
    "",
    `${report.target}: ${report.checks.length} checks — ${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.info} info, ${s.skip} skipped`,
    report.ok ? "conformant: no check failed" : `NOT conformant: ${failed.join(", ")}`,
  );
  return `${lines.join("\n")}\n`;
}

export function formatJson(report: ConformanceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
