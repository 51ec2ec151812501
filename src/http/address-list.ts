// Membership of a client address in a list of addresses and CIDR ranges (METRICS_ALLOW), with
// node's BlockList. IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d and count as a.b.c.d.
import { BlockList, isIP } from "node:net";

export function addressMatcher(items: readonly string[]): (address: string) => boolean {
  if (items.includes("*")) return () => true;
  const list = new BlockList();
  for (const item of items) {
    const [addr = "", bits] = item.split("/");
    const type = isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (address) => {
    const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? "ipv6" : "ipv4");
  };
}
