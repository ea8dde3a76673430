import { BlockList, isIP } from "node:net";
import { isInternalHost } from "../lib/public-https-url.ts";

// Where a webhook may point. The server itself POSTs there, so an address inside the network
// (loopback, private ranges, link-local with the cloud metadata endpoints, names that only mean
// something locally) is refused unless the operator allowed it (WEBHOOK_ALLOW_PRIVATE_TARGETS:
// host names, addresses or CIDR ranges). This is the check as an admin types the address; the
// delivery worker checks again the addresses the name resolves to, at every send.

export const WEBHOOK_URL_MAX = 2000;

/** Whether the operator allowed this host (a name, or an address inside an allowed range). */
export function isAllowedPrivateTarget(host: string, allowed: readonly string[]): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  const family = isIP(h);
  for (const entry of allowed) {
    if (entry === h) return true;
    const [net, bits] = entry.split("/");
    if (!family || !net || bits === undefined) continue;
    const netFamily = isIP(net);
    if (netFamily !== family) continue;
    const list = new BlockList();
    try {
      list.addSubnet(net, Number(bits), family === 4 ? "ipv4" : "ipv6");
    } catch {
      continue;
    }
    if (list.check(h, family === 4 ? "ipv4" : "ipv6")) return true;
  }
  return false;
}

/** Why `value` may not be a webhook's address, as a field error; null when it may. */
export function webhookUrlProblem(value: string, allowed: readonly string[] = []): string | null {
  if (value.length > WEBHOOK_URL_MAX) return `must be at most ${WEBHOOK_URL_MAX} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a full http or https address, like https://example.com/hooks/portico";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http or https address";
  if (url.username || url.password) return "must not contain a user name or password";
  if (isInternalHost(url.hostname) && !isAllowedPrivateTarget(url.hostname, allowed)) {
    return "must be a public address, not a local or internal one";
  }
  return null;
}
