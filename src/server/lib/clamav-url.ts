// Pure: imported by config.ts to check CLAMAV_URL at boot, and by the ClamAV scanner.

/** Where clamd listens: a TCP address, or its local (unix) socket. */
export type ClamdAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

/**
 * tcp://host:port (clamd's TCPSocket, 3310 when the port is left out) or unix:/path/to/clamd.ctl
 * (also unix:///path, its LocalSocket). Throws an Error with a clear message naming what is wrong.
 */
export function parseClamdUrl(url: string): ClamdAddress {
  if (url.startsWith("unix:")) {
    const socketPath = url.slice("unix:".length).replace(/^\/\/(?=\/)/, "");
    if (!socketPath.startsWith("/") || /[\0\n\r]/.test(socketPath)) {
      throw new Error("needs an absolute socket path: unix:/run/clamav/clamd.ctl");
    }
    return { kind: "unix", path: socketPath };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("must be tcp://host:port or unix:/path/to/clamd.ctl");
  }
  if (parsed.protocol !== "tcp:") throw new Error("must be tcp://host:port or unix:/path/to/clamd.ctl");
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new Error("has no host (tcp://127.0.0.1:3310)");
  if ((parsed.pathname && parsed.pathname !== "/") || parsed.search || parsed.hash || parsed.username) {
    throw new Error("takes only a host and a port (tcp://127.0.0.1:3310)");
  }
  const port = parsed.port === "" ? 3310 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("has an invalid port");
  return { kind: "tcp", host, port };
}
