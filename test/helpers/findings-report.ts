// The findings of the last acceptance run (test-output/html/*/findings.json, written by
// test/helpers/page-audit.ts), grouped by check and rule, each with the pages, languages and widths
// that showed it — the list to work through after a run:
//   node --import tsx test/helpers/findings-report.ts
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli.ts";
import type { Finding } from "./page-audit.ts";

/** An id in a URL stands for any id: the same page of another order is the same finding. */
const page = (url: string) => url.replace(/\b(ord|inv|crn|cus|mail|btr|cmod|whd)_[0-9a-z]+/g, "$1_…");

export function groupFindings(findings: Finding[]): Map<string, Map<string, Set<string>>> {
  const groups = new Map<string, Map<string, Set<string>>>();
  for (const f of findings) {
    let rule: string;
    let detail: string;
    if (f.check === "axe") {
      const m = /^(\w+ [\w-]+): ([^—]*)— \d+ element\(s\): (.*)$/.exec(f.detail);
      rule = m ? `${m[1]}: ${m[2]!.trim()}` : f.detail;
      detail = m ? m[3]!.split("; ").map((t) => t.replace(/ \(.*$/, "")).slice(0, 2).join("; ") : "";
    } else if (f.check === "scroll") {
      rule = "horizontal scroll at 375 px";
      detail = f.detail.replace(/^scrollWidth (\d+) > clientWidth \d+; widest: /, "$1 px wide; ");
    } else {
      rule = f.detail.replace(/\b(ord|inv|cus|btr|cmod)_[0-9a-z]+/g, "$1_…").replace(/PB-[A-Z0-9]{4}-[A-Z0-9]{4}/g, "PB-…");
      detail = "";
    }
    const byRule = groups.get(f.check) ?? new Map<string, Set<string>>();
    groups.set(f.check, byRule);
    const where = byRule.get(rule) ?? new Set<string>();
    byRule.set(rule, where);
    where.add(`${page(f.url)} [${f.locale}${f.width === "any" ? "" : ` ${f.width}`}]${detail ? ` ${detail}` : ""}`);
  }
  return groups;
}

function main(): void {
  const dir = join(ROOT, "test-output", "html");
  if (!existsSync(dir)) {
    console.log("No findings: run the browser tests first (npm test -- test/acceptance.*.browser.test.ts).");
    return;
  }
  const findings: Finding[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, "findings.json");
    if (name.startsWith("harness") || !existsSync(file)) continue;
    findings.push(...(JSON.parse(readFileSync(file, "utf8")) as { findings: Finding[] }).findings);
  }
  for (const [check, rules] of groupFindings(findings)) {
    console.log(`\n## ${check}`);
    for (const [rule, where] of rules) {
      console.log(`- ${rule}`);
      for (const w of [...where].sort()) console.log(`    ${w}`);
    }
  }
}

if (process.argv[1]?.endsWith("findings-report.ts")) main();
