// Reading an Authentication-Results header (RFC 8601) that a receiving mail server wrote, and
// deciding whether an authenticated domain is aligned with the From address's domain. Pure: the
// header's value in, plain data out.

export interface AuthResult {
  /** spf, dkim, dmarc, arc … lower-cased. */
  method: string;
  /** pass, fail, none, temperror … lower-cased. */
  result: string;
  /** ptype.property → value, e.g. "smtp.mailfrom" → "a@example.com", "header.d" → "example.com". */
  props: Record<string, string>;
}

export interface AuthResults {
  /** Who wrote the header (the authserv-id), lower-cased. */
  authservId: string;
  results: AuthResult[];
}

/** Removes (comments), which may nest, outside of "quoted strings". */
function withoutComments(value: string): string {
  let out = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === "\\" && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? "");
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted && c === "(") {
      depth++;
      continue;
    }
    if (!quoted && c === ")" && depth > 0) {
      depth--;
      if (depth === 0) out += " ";
      continue;
    }
    if (depth === 0) out += c;
  }
  return out;
}

/** Splits on `sep` outside of quoted strings. */
function splitOutsideQuotes(value: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === "\\" && quoted) {
      current += c + (value[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const unquote = (v: string) =>
  v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v;

/** The header's value (unfolded or not) as data; null when it is not one. */
export function parseAuthenticationResults(value: string): AuthResults | null {
  const text = withoutComments(value.replace(/\r?\n[ \t]+/g, " "));
  const [head, ...rest] = splitOutsideQuotes(text, ";");
  const authservId = unquote(head?.trim().split(/\s+/)[0] ?? "").toLowerCase();
  if (!authservId) return null;
  const results: AuthResult[] = [];
  for (const part of rest) {
    const words = splitOutsideQuotes(part.trim(), " ").filter(Boolean);
    const first = words.shift();
    const m = first ? /^([a-z0-9_-]+)(?:\/\d+)?=([a-z0-9_-]+)$/i.exec(first) : null;
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const w of words) {
      const p = /^([a-z0-9_-]+\.[a-z0-9_-]+)=(.+)$/i.exec(w);
      if (p) props[(p[1] as string).toLowerCase()] = unquote(p[2] as string);
    }
    results.push({ method: (m[1] as string).toLowerCase(), result: (m[2] as string).toLowerCase(), props });
  }
  return { authservId, results };
}

/** The domain of an address or of an identity such as `@example.com`; "" when there is none. */
export function domainOfIdentity(identity: string): string {
  const at = identity.lastIndexOf("@");
  return (at >= 0 ? identity.slice(at + 1) : identity).trim().replace(/\.$/, "").toLowerCase();
}

/**
 * Relaxed alignment without a public suffix list: the same domain, or one a subdomain of the
 * other below a name of at least two labels (mail.example.com and example.com align, example.com
 * and other.com do not, and nothing aligns through a top-level domain alone).
 */
export function domainsAligned(a: string, b: string): boolean {
  const x = domainOfIdentity(a);
  const y = domainOfIdentity(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  return short.includes(".") && long.endsWith(`.${short}`);
}
