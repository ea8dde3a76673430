import fs from "node:fs";
import http from "node:http";

// The baseline for bench/run.ts: a bare node:http server, no framework and no database, answering
// every request with the JSON body it is given (the tracking read's own answer, so the sizes
// match). Like a hand-written handler it serialises the object on each request.
// Usage: PORT=… BARE_BODY_FILE=… node bench/bare-server.ts

const port = Number(process.env.PORT);
const file = process.env.BARE_BODY_FILE;
if (!Number.isInteger(port) || !file) {
  console.error("bare-server: PORT and BARE_BODY_FILE are required");
  process.exit(2);
}
const body: unknown = JSON.parse(fs.readFileSync(file, "utf8"));

const server = http.createServer((_req, res) => {
  const json = JSON.stringify(body);
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
    "cache-control": "private, max-age=10",
  });
  res.end(json);
});
server.keepAliveTimeout = 72_000;
server.listen(port, "127.0.0.1");

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
