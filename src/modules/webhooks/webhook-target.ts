// Which addresses an outgoing webhook may reach (docs/adr/0029-roles-four-eyes-webhook-targets.md).
// A webhook URL is typed by the owner or by any API token with webhooks:write, and partnerbill then
// connects to it from inside the operator's network: without a policy it is a probe of internal
// services. Only public unicast addresses are allowed unless WEBHOOKS_ALLOW_PRIVATE_TARGETS is on.
//
// The check runs on the address actually connected to: at creation after resolving the name, and
// at every delivery inside the connection's own DNS lookup (so a name that resolves to a public
// address when the endpoint is created and to 127.0.0.1 later — DNS rebinding — is refused at
// connect time). IP literals in any spelling (decimal 2130706433, hex 0x7f.1, octal 0177.0.0.1)
// reach us already normalised to dotted form by the WHATWG URL parser; IPv4-mapped IPv6 is
// unwrapped before it is classified. Range classification is ipaddr.js (a dependency of fastify's
// proxy-addr already, maintained, typed): it knows the IANA special-purpose registries.
import { lookup as dnsLookup } from "node:dns";
import { promises as dns } from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";
import ipaddr from "ipaddr.js";
import { invalidInput } from "../../lib/errors.ts";

/** The one error text for every refused target: the delivery log says nothing about ports or hosts. */
export const REFUSED_TARGET = "the target address is not allowed (not a public address)";

export class RefusedTargetError extends Error {
  readonly code = "EWEBHOOKTARGET";
  constructor() {
    super(REFUSED_TARGET);
  }
}

/** True for a public unicast address; loopback, private, link-local, CGNAT, unique-local, reserved, … are not. */
export function isPublicAddress(text: string): boolean {
  if (!ipaddr.isValid(text)) return false;
  let a = ipaddr.parse(text);
  if (a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  return a.range() === "unicast";
}

/** The host of a URL as an address when it is an IP literal ("[::1]" → "::1"), else null. */
export function literalAddress(hostname: string): string | null {
  const h = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(h) ? h : null;
}

export interface WebhookTargetPolicy {
  /** Refuses (invalid_input) a URL whose host is or resolves to a non-public address. */
  check(url: string): Promise<void>;
  /** Throws RefusedTargetError before a delivery to an IP literal that is not allowed. */
  checkLiteral(url: string): void;
  /** A dns.lookup for the delivery connection that fails with RefusedTargetError on a non-public answer. */
  lookup: typeof dnsLookup | undefined;
  allowPrivate: boolean;
}

export function createWebhookTargetPolicy(opts: { allowPrivate: boolean; resolve?: (host: string) => Promise<string[]> }): WebhookTargetPolicy {
  const resolve = opts.resolve ?? (async (host: string) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address));

  async function check(url: string): Promise<void> {
    if (opts.allowPrivate) return;
    const host = new URL(url).hostname;
    const literal = literalAddress(host);
    let addresses: string[];
    if (literal) addresses = [literal];
    else {
      try {
        addresses = await resolve(host);
      } catch {
        // Not in DNS (yet): nothing to refuse now; every delivery checks the address it connects to.
        return;
      }
    }
    if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
      throw invalidInput("The URL's host is not a public address (loopback, private, link-local and similar networks are refused; see WEBHOOKS_ALLOW_PRIVATE_TARGETS)");
    }
  }

  function checkLiteral(url: string): void {
    if (opts.allowPrivate) return;
    const literal = literalAddress(new URL(url).hostname);
    if (literal && !isPublicAddress(literal)) throw new RefusedTargetError();
  }

  // Node's net.connect calls this for a host name (never for an IP literal: checkLiteral covers those).
  const lookup = ((hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : "", undefined);
      const list = addresses as LookupAddress[];
      if (list.length === 0 || !list.every((a) => isPublicAddress(a.address))) return callback(new RefusedTargetError() as NodeJS.ErrnoException, options.all ? [] : "", undefined);
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  }) as unknown as typeof dnsLookup;

  return { check, checkLiteral, lookup: opts.allowPrivate ? undefined : lookup, allowPrivate: opts.allowPrivate };
}
