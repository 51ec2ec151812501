// Pure rules of license reselling (issue 15): a tariff's edition, whether an IP can carry a
// license, a license name, the IP-change limit and the key-delivery backoff.
import ipaddr from "ipaddr.js";
import { invalidInput } from "../../lib/errors.ts";
import type { UpstreamTariff } from "../../upstream/types.ts";

export const EDITIONS = ["lite", "pro", "host", "business"] as const;
export type Edition = (typeof EDITIONS)[number];

/** The edition a license tariff sells, from its name or intname ("ispmanager 6 Pro"); null when none is named. */
export function editionOf(t: Pick<UpstreamTariff, "name" | "intname">): Edition | null {
  const text = `${t.name} ${t.intname}`.toLowerCase();
  return EDITIONS.find((e) => new RegExp(`(^|[^a-z])${e}|6${e}`).test(text)) ?? null;
}

/**
 * Address ranges no ispmanager server can be licensed on: a license is bound to the server's
 * public address. Documentation ranges (TEST-NET) are left to upstream to judge.
 */
const NOT_PUBLIC = new Set(["unspecified", "broadcast", "multicast", "linkLocal", "loopback", "private", "carrierGradeNat", "uniqueLocal", "reserved:benchmarking"]);

/** The IP a license is ordered for or moved to, normalised; invalid_input naming the problem otherwise. */
export function parseLicenseIp(raw: string): string {
  const v = raw.trim();
  if (v === "") throw invalidInput("The server's IP address is required");
  if (!ipaddr.isValid(v) || !(ipaddr.IPv4.isValidFourPartDecimal(v) || (v.includes(":") && ipaddr.IPv6.isValid(v)))) {
    throw invalidInput("The IP address is not a valid IPv4 or IPv6 address");
  }
  let addr = ipaddr.parse(v);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (NOT_PUBLIC.has(addr.range())) throw invalidInput(`${v} is not a public address (${addr.range()}); a license is bound to the server's public IP`);
  return addr.toString();
}

/** The name shown upstream: optional, one line, at most 64 characters. */
export function parseLicenseName(raw: string | undefined | null): string | null {
  const v = (raw ?? "").trim();
  if (v === "") return null;
  if (v.length > 64) throw invalidInput("The license name is longer than 64 characters");
  if (/[\u0000-\u001f\u007f]/.test(v)) throw invalidInput("The license name must be one line of text");
  return v;
}

/** How many IP changes a customer may make on one license (LICENSE_IP_CHANGES_MAX) — staff are not limited. */
export const DEFAULT_IP_CHANGE_LIMIT = 3;
