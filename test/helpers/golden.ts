// Golden files pin bytes that outside clients depend on (the /billmgr documents panels parse).
// By default a test compares byte for byte with test/golden/<name>; `UPDATE_GOLDEN=1 npm test`
// rewrites the files instead, and the diff is then reviewed like code.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "golden");

export function assertGolden(name: string, actual: string | Buffer): void {
  const file = join(GOLDEN_DIR, name);
  const bytes = typeof actual === "string" ? Buffer.from(actual, "utf8") : actual;
  if (process.env["UPDATE_GOLDEN"] === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    return;
  }
  assert.ok(existsSync(file), `golden file test/golden/${name} is missing; create it with UPDATE_GOLDEN=1 npm test`);
  const expected = readFileSync(file);
  if (!expected.equals(bytes)) {
    // Compare as text for a readable diff; the equality above is the byte-for-byte check.
    assert.equal(bytes.toString("utf8"), expected.toString("utf8"), `${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`);
    assert.fail(`${name} differs from its golden file in bytes that do not show as text`);
  }
}
