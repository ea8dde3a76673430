// Pure: imported by config.ts to check IMAP_URL at boot, and by the IMAP poller.

/** Parses and checks an IMAP URL; throws an Error with a clear message naming what is wrong. */
export function parseImapUrl(url: string): {
  secure: boolean;
  host: string;
  port: number;
  user: string;
  pass: string;
  mailbox: string;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("IMAP URL is not a valid URL (imap://user:password@host:port/MAILBOX)");
  }
  if (parsed.protocol !== "imap:" && parsed.protocol !== "imaps:") {
    throw new Error(`IMAP URL must start with imap:// or imaps://, got "${parsed.protocol}//"`);
  }
  const secure = parsed.protocol === "imaps:";
  // WHATWG URL keeps the host of non-special schemes as written, brackets around IPv6 included.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new Error("IMAP URL has no host");
  let port = secure ? 993 : 143;
  if (parsed.port !== "") {
    port = Number(parsed.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("IMAP URL has an invalid port");
  }
  if (parsed.search || parsed.hash) throw new Error("IMAP URL may not have a query (?…) or fragment (#…)");
  let user: string;
  let pass: string;
  let mailbox: string;
  try {
    user = decodeURIComponent(parsed.username);
    pass = decodeURIComponent(parsed.password);
    mailbox = decodeURIComponent(parsed.pathname.replace(/^\/+/, "").replace(/\/+$/, ""));
  } catch {
    throw new Error("IMAP URL has a malformed percent-encoding in the user, password or mailbox");
  }
  if (!user) throw new Error("IMAP URL has no user name (imap://user:password@host/…)");
  if (!pass) throw new Error("IMAP URL has no password (imap://user:password@host/…)");
  return { secure, host, port, user, pass, mailbox: mailbox || "INBOX" };
}
