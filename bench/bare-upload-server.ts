import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";

// The baseline for bench/files.ts: a bare node:http server that streams each request body to a
// file on disk and answers 201. No framework, no checks, no encryption, no database.
// Usage: PORT=… BARE_UPLOAD_DIR=… node bench/bare-upload-server.ts

const port = Number(process.env.PORT);
const dir = process.env.BARE_UPLOAD_DIR;
if (!Number.isInteger(port) || !dir) {
  console.error("bare-upload-server: PORT and BARE_UPLOAD_DIR are required");
  process.exit(2);
}
let n = 0;
const server = http.createServer(async (req, res) => {
  if (req.method !== "POST") {
    res.writeHead(200).end("ok");
    return;
  }
  const file = path.join(dir, `upload-${process.pid}-${++n}`);
  try {
    await pipeline(req, fs.createWriteStream(file));
    res.writeHead(201, { "content-type": "application/json" }).end(`{"id":"${n}"}`);
  } catch {
    res.writeHead(500).end();
  }
});
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
