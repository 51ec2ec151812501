// Password hashing: argon2id through @node-rs/argon2 (prebuilt from npm, runs on libuv's thread
// pool so the event loop keeps serving). Parameters are OWASP's first argon2id choice
// (19 MiB, 2 passes, 1 lane); they are written into each hash, so raising them later keeps old
// hashes verifiable (`needsRehash` says which to upgrade at the next sign-in).
import { createRequire } from "node:module";
import type { Options } from "@node-rs/argon2";

// The native addon loads with the first hash or verify, not with every process (docs/adr/0032).
const require = createRequire(import.meta.url);
type Argon2 = typeof import("@node-rs/argon2");
let argon2: Argon2 | undefined;
const lib = (): Argon2 => (argon2 ??= require("@node-rs/argon2") as Argon2);
const hash: Argon2["hash"] = (...args) => lib().hash(...args);
const verify: Argon2["verify"] = (...args) => lib().verify(...args);

// The package declares Algorithm as a `const enum`, which does not exist at run time under
// TypeScript's isolated modules: 2 is Algorithm.Argon2id.
export const ARGON2_PARAMS: Options & { memoryCost: number; timeCost: number } = {
  algorithm: 2 as NonNullable<Options["algorithm"]>,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for anything that is not an argon2 hash. */
  verify(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the time of one verify on nothing: used when there is no account (or no password) to
   * check, so that an unknown e-mail takes as long to refuse as a wrong password.
   */
  verifyDummy(password: string): Promise<void>;
}

export function createPasswordHasher(): PasswordHasher {
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => hash(password, ARGON2_PARAMS),
    async verify(passwordHash, password) {
      if (!passwordHash.startsWith("$argon2")) return false;
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    },
    async verifyDummy(password) {
      dummy ??= hash("partnerbill dummy password", ARGON2_PARAMS);
      await verify(await dummy, password).catch(() => false);
    },
  };
}

export function needsRehash(passwordHash: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  return !m || Number(m[1]) < ARGON2_PARAMS.memoryCost || Number(m[2]) < ARGON2_PARAMS.timeCost;
}
