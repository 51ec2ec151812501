// Identifiers: a short type prefix plus a time-ordered random part (like ULID), so ids sort by
// creation time, are safe in URLs and say what they are in a log line ("ord_01J…").
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

export interface IdGenerator {
  next(prefix: string): string;
}

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function randomPart(len: number): string {
  const bytes = randomBytes(len);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 32];
  return out;
}

export const randomIds: IdGenerator = {
  next: (prefix) => `${prefix}_${encodeTime(Date.now())}${randomPart(12)}`,
};

/** Deterministic ids for tests: prefix_000001, prefix_000002, … */
export function sequentialIds(): IdGenerator {
  let n = 0;
  return { next: (prefix) => `${prefix}_${String(++n).padStart(6, "0")}` };
}
