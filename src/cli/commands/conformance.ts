// `partnerbill conformance <billing URL>`: asks any billing for its price list the way an
// ispmanager panel does and judges every answer by PROTOCOL.md §2 (src/conformance/). It needs no
// database and no configuration, so it runs from any machine against any billing.
import { InvalidArgumentError, type Command } from "commander";
import { FAKE_LICENSE } from "../../conformance/catalog.ts";

interface Options {
  json?: boolean;
  timeout: number;
  buy: boolean;
  license: string;
}

function milliseconds(v: string): number {
  if (!/^\d{1,7}$/.test(v.trim()) || Number(v) < 1) throw new InvalidArgumentError("must be a whole number of milliseconds (e.g. 10000)");
  return Number(v);
}

function licenseId(v: string): string {
  if (!/^[1-9]\d{0,14}$/.test(v.trim())) throw new InvalidArgumentError("must be a positive whole number");
  return v.trim();
}

export function registerConformance(program: Command): void {
  program
    .command("conformance <url>")
    .description("Check a billing's /billmgr against PROTOCOL.md §2 the way an ispmanager panel uses it")
    .option("--json", "print a machine-readable report instead of one line per check")
    .option("--timeout <ms>", "deadline of each request", milliseconds, 10_000)
    .option("--no-buy", "skip the Buy redirect checks (a valid Buy redirect creates a pending order)")
    .option("--license <id>", "license id sent in the Buy redirects", licenseId, FAKE_LICENSE)
    .addHelpText(
      "after",
      `
<url> is the billing's address, its /billmgr URL, or a full price-list URL.

About 30 requests are sent one after another: the price list over GET and POST on /billmgr and
/manager/billmgr, in xml, json, sjson and bjson, with its filters and parameters, an unknown
function, a handful of hostile inputs (markup, bad percent-encoding, control characters, a 300 kB
body), and three Buy redirects.

NOTE: the valid Buy redirect creates a pending (unpaid) order on the target billing, for license
${FAKE_LICENSE} and IP 192.0.2.1 unless --license says otherwise (on partnerbill it shows in
"partnerbill orders list"). Use --no-buy against a billing where that is unwelcome.

Each line reads PASS, FAIL, WARN, INFO or SKIP, the check's id, what it expects and what was seen.
FAIL breaks a rule panels or customers depend on; WARN departs from an [assumed] point or from
partnerbill's own choices (docs/adr/0008-conformance.md). Exit code 0 only when nothing failed.`,
    )
    .action(async (url: string, opts: Options) => {
      const [{ createHttpProbe }, { formatJson, formatText }, { parseTarget, runConformance }] = await Promise.all([
        import("../../conformance/http.ts"),
        import("../../conformance/report.ts"),
        import("../../conformance/run.ts"),
      ]);
      const target = parseTarget(url);
      if (typeof target === "string") {
        process.stderr.write(`conformance: ${target}\n`);
        process.exitCode = 2;
        return;
      }
      const http = createHttpProbe({ origin: target.origin, timeoutMs: opts.timeout, userAgent: "partnerbill-conformance" });
      try {
        const report = await runConformance(http.probe, target, { buy: opts.buy, license: opts.license });
        process.stdout.write(opts.json ? formatJson(report) : formatText(report));
        process.exitCode = report.ok ? 0 : 1;
      } finally {
        await http.close();
      }
    });
}
