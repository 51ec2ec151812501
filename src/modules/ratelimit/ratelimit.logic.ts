// Pure parts of the per-address rate limits: which key a client address counts under, and the
// fixed window a moment falls in. Addresses are parsed by ipaddr.js, as webhook targets are.
import ipaddr from "ipaddr.js";

/**
 * The address a limit counts: IPv4 as it is, IPv6 by its /64 — one subscriber usually holds a
 * whole /64, so counting single IPv6 addresses would let one client take 2^64 turns.
 */
export function clientKeyOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const a = ipaddr.parse(address);
  if (a.kind() === "ipv4") return a.toString();
  const v6 = a as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${v6.parts.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
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
