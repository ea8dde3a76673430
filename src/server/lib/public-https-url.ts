import { BlockList, isIP } from "node:net";

// An address other people's browsers and mail readers will fetch (a workspace's logo) must be
// https, and must not point inside a network: loopback, private ranges, link-local (cloud
// metadata at 169.254.169.254 among them), carrier-grade NAT, names that only mean something on
// a local network. Host names are judged as written, not resolved: the server never fetches the
// image, each reader's browser does, and DNS seen from here says nothing about theirs.

const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const) {
  INTERNAL.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  // Unspecified, loopback and the old IPv4-compatible form; NAT64 (which reaches IPv4 ranges).
  ["::", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  // 6to4 and Teredo, which carry IPv4 addresses (an internal one among them) inside IPv6.
  ["2002::", 16],
  ["2001::", 32],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  INTERNAL.addSubnet(net, prefix, "ipv6");
}

const LOCAL_NAMES =
  /(?:^|\.)(?:localhost|local|localdomain|internal|intranet|lan|home|corp|private|home\.arpa)$/;

export function isInternalHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  const family = isIP(host);
  if (family === 4) return INTERNAL.check(host, "ipv4");
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as that address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
    if (mapped) return INTERNAL.check(mapped, "ipv4");
    return INTERNAL.check(host, "ipv6") || /^::ffff:/.test(host);
  }
  // A name without a dot is resolved on the local network only (http://intranet/logo.png).
  return !host.includes(".") || LOCAL_NAMES.test(host);
}

/** Why `value` may not be used as a public image address, as a field error; null when it may. */
export function publicHttpsUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an https URL";
  }
  if (url.protocol !== "https:") return "must be an https URL";
  if (url.username || url.password) return "must not contain a user name or password";
  if (isInternalHost(url.hostname)) return "must be a public address, not a local or internal one";
  return null;
}
