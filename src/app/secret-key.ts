// SECRET_KEY encrypts stored secrets and signs tokens. When the operator sets none, one is
// generated on first run into DATA_DIR/secret.key (mode 0600) and read from there afterwards, so
// restarts keep it. Several processes starting at once agree on one key: the file is created with
// O_EXCL and a loser of that race reads the winner's key.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function resolveSecretKey(config: { SECRET_KEY?: string | undefined; DATA_DIR: string }): string {
  if (config.SECRET_KEY) return config.SECRET_KEY;
  const file = join(config.DATA_DIR, "secret.key");
  mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { flag: "wx", mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const key = readFileSync(file, "utf8").trim();
  if (key.length < 32) throw new Error(`${file} holds a key shorter than 32 characters; remove it or set SECRET_KEY`);
  return key;
}
