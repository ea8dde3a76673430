import { isIP } from "node:net";

// Host names as requests and admins give them. A request's Host header is read case-insensitively,
// without its port and without a trailing dot (help.acme.com., HELP.acme.com:443 and
// help.acme.com are one host). A custom domain an admin types must be a real DNS name: labels of
// letters, digits and hyphens, a dot at least once, a top-level label that is not all digits,
// and no IP address.

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A Host header → the host name in lower case without port or trailing dot; null when unusable. */
export function hostOfHeader(header: string | undefined): string | null {
  if (!header) return null;
  let host = header.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    if (end < 0) return null;
    return host.slice(1, end) || null;
  }
  const colon = host.indexOf(":");
  if (colon >= 0) host = host.slice(0, colon);
  host = host.replace(/\.$/, "");
  return host || null;
}

/** Whether a host (as hostOfHeader gives it) is an IP address rather than a name. */
export const isIpHost = (host: string) => isIP(host) !== 0;

/** Why `raw` is not a domain one can point at this server, as a field error; null when it is. */
export function domainNameProblem(name: string): string | null {
  if (name.length === 0) return "is required";
  if (name.length > 253) return "must be at most 253 characters";
  if (isIP(name) !== 0 || isIP(name.replace(/^\[|\]$/g, "")) !== 0) {
    return "must be a host name, not an IP address";
  }
  const labels = name.split(".");
  if (labels.length < 2) return "must be a full host name like help.example.com";
  if (!labels.every((l) => LABEL.test(l))) {
    return "must be a host name: letters, digits, hyphens and dots (like help.example.com)";
  }
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return "must end in a top-level domain";
  return null;
}

/** What an admin typed → the host name to store: trimmed, lower case, no scheme, path or trailing dot. */
export function normalizeDomainInput(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, "")
    .replace(/\/.*$/, "")
    .replace(/\.$/, "");
}
