// Pure parts of the per-address rate limits: which key a client address counts under, and the
// fixed window a moment falls in.
import { isIP } from "node:net";

/**
 * The address a limit counts: IPv4 as it is, IPv6 by its /64 — one subscriber usually holds a
 * whole /64, so counting single IPv6 addresses would let one client take 2^64 turns.
 */
export function clientKeyOf(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (isIP(address) !== 6) return address;
  const [head = "", tail = ""] = address.toLowerCase().split("%", 1)[0]!.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = address.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const groups = address.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

export interface Window {
  /** Start, in seconds since the epoch. */
  start: number;
  /** Seconds from `now` until the next window starts (at least 1). */
  secondsLeft: number;
}

export function windowOf(nowMs: number, windowSeconds: number): Window {
  const now = Math.floor(nowMs / 1000);
  const start = now - (now % windowSeconds);
  return { start, secondsLeft: Math.max(1, start + windowSeconds - now) };
}
