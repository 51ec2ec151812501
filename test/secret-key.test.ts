// SECRET_KEY: generated once into DATA_DIR/secret.key (mode 0600) when the operator sets none,
// then reused — also by several processes that start at the same moment.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveSecretKey } from "../src/app/secret-key.ts";

describe("secret key", () => {
  const root = mkdtempSync(join(tmpdir(), "pb-secret-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const freshDir = () => join(root, `d${++n}`, "data");

  it("generates a key into DATA_DIR/secret.key, readable by the owner only, and reuses it", () => {
    const dir = freshDir();
    const key = resolveSecretKey({ DATA_DIR: dir });
    assert.ok(key.length >= 32);
    const file = join(dir, "secret.key");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, "utf8").trim(), key);
    assert.equal(resolveSecretKey({ DATA_DIR: dir }), key);
    assert.notEqual(resolveSecretKey({ DATA_DIR: freshDir() }), key, "every install gets its own key");
  });

  it("uses SECRET_KEY when set and writes no file", () => {
    const dir = freshDir();
    const key = "k".repeat(40);
    assert.equal(resolveSecretKey({ DATA_DIR: dir, SECRET_KEY: key }), key);
    assert.equal(existsSync(join(dir, "secret.key")), false);
  });

  it("refuses a key file that holds too short a key, without showing it", () => {
    const dir = freshDir();
    resolveSecretKey({ DATA_DIR: dir });
    writeFileSync(join(dir, "secret.key"), "short-key\n");
    assert.throws(() => resolveSecretKey({ DATA_DIR: dir }), (e: Error) => /shorter than 32/.test(e.message) && !e.message.includes("short-key"));
  });

  it("gives processes that start at the same moment one and the same key", async () => {
    const dir = freshDir();
    const script = `import { resolveSecretKey } from ${JSON.stringify(new URL("../src/app/secret-key.ts", import.meta.url).href)};
process.stdout.write(resolveSecretKey({ DATA_DIR: ${JSON.stringify(dir)} }));`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d));
        child.stderr.on("data", (d: Buffer) => (err += d));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
      });
    const keys = await Promise.all([run(), run(), run(), run()]);
    assert.equal(new Set(keys).size, 1, keys.join(" "));
    assert.equal(readFileSync(join(dir, "secret.key"), "utf8").trim(), keys[0]);
  });
});
