import { isIPv6 } from "node:net";

// The address a limit counts a client by. IPv4 as it is; IPv6 by its /64, the block one
// subscriber usually gets whole, so a client cannot step around a limit by changing the lower
// 64 bits. An IPv4 address written as IPv6 (::ffff:192.0.2.1) counts as that IPv4 address.

export function addressBucket(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const bare = (ip.split("%")[0] as string).toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare);
  if (mapped) return mapped[1] as string;
  const [head = "", tail] = bare.split("::");
  const groupsOf = (part: string) =>
    part ? part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g])) : [];
  const h = groupsOf(head);
  const t = tail === undefined ? [] : groupsOf(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return `${all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
