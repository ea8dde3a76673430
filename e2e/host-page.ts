import http from "node:http";
import type { AddressInfo } from "node:net";

// A customer's own site for the embed and widget tests: a second server on another port (so
// another origin than Portico's), serving the pages a test gives it, each with the headers it
// gives (a strict Content-Security-Policy, say). Anything else is a 404.

export interface HostPage {
  html: string;
  headers?: Record<string, string>;
}

export interface HostSite {
  /** http://127.0.0.1:<port>, the site's origin. */
  origin: string;
  /** Adds or replaces the page at `path`. */
  set(path: string, page: HostPage): void;
  close(): Promise<void>;
}

export async function startHostSite(pages: Record<string, HostPage> = {}): Promise<HostSite> {
  const served = new Map(Object.entries(pages));
  const server = http.createServer((req, res) => {
    const page = served.get(new URL(req.url ?? "/", "http://host").pathname);
    if (!page) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...page.headers }).end(page.html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    set: (path, page) => void served.set(path, page),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
