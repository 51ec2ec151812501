// Plain-text tables for the CLI.
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  process.stdout.write([line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n");
}
