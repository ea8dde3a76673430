import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { makeWorkspace } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// Slow clients and uploads at once, against the real app listening on loopback with small limits:
// a second for headers, one for a body (plus a second per 8 KB that came), one upload at a time.

let t: TestEnv;
let port: number;
before(async () => {
  t = await testEnv({
    HTTP_HEADERS_TIMEOUT_SECONDS: "1",
    HTTP_REQUEST_TIMEOUT_SECONDS: "1",
    HTTP_BODY_MIN_KB_PER_SECOND: "8",
    MAX_CONCURRENT_UPLOADS: "1",
  });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  port = (t.app.server.address() as net.AddressInfo).port;
});
after(() => t.close());

/**
 * A raw connection that writes `chunks` one by one, `everyMs` apart, and answers what the server
 * said and whether it closed the connection before everything was written. Bounded: 15 s.
 */
function trickle(chunks: string[], everyMs: number): Promise<{ answer: string; cutShort: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    let i = 0;
    const timer = setInterval(() => {
      if (i < chunks.length && socket.writable) socket.write(chunks[i++] as string);
    }, everyMs);
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after 15 s; answer so far: ${answer}`));
    }, 15_000);
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      answer += d;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      clearTimeout(bound);
      resolve({ answer, cutShort: i < chunks.length });
    });
  });
}

const bytes = (s: string) => [...s];

describe("slow clients", () => {
  test("headers sent a byte at a time are cut at the headers timeout with a 408", async () => {
    const r = await trickle(
      bytes(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(200)}\r\n\r\n`),
      50,
    );
    assert.ok(r.cutShort, "closed before the headers were all sent");
    assert.match(r.answer, /^HTTP\/1\.1 408 /);
  });

  test("a body sent a byte at a time is cut at the request timeout with a 408 request_timeout", async () => {
    const body = JSON.stringify({ email: "ada@acme.test", password: "x".repeat(200) });
    const head = `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const r = await trickle([head, ...bytes(body)], 50);
    assert.ok(r.cutShort, "closed before the body was all sent");
    assert.match(r.answer, /^HTTP\/1\.1 408 /);
    assert.match(r.answer, /"code":"request_timeout"/);
  });

  test("a body answered early (an unknown portal) and still dripping is cut all the same", async () => {
    const head = `POST /api/public/upload?portal=no-such-portal&name=a.txt HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 500\r\n\r\n`;
    const r = await trickle([head, ...bytes("x".repeat(500))], 50);
    assert.match(r.answer, /^HTTP\/1\.1 404 /, "answered before its body came");
    assert.ok(r.cutShort, "then closed before the body was all sent");
  });

  test("a body that keeps coming at a steady rate is read to its end, past the request timeout", async () => {
    // 64 KB at 16 KB every half second: two seconds, more than the request's one, each 8 KB
    // earning a second more.
    const body = JSON.stringify({ email: "ada@acme.test", password: "p".repeat(64 * 1024) });
    const head = `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    const chunks = [head];
    for (let i = 0; i < body.length; i += 16 * 1024) chunks.push(body.slice(i, i + 16 * 1024));
    const r = await trickle(chunks, 500);
    assert.equal(r.cutShort, false);
    assert.doesNotMatch(r.answer, /^HTTP\/1\.1 408 /);
    assert.match(r.answer, /^HTTP\/1\.1 [1-4]\d\d /, "the route's own answer");
  });
});

describe("uploads at once", () => {
  test("past MAX_CONCURRENT_UPLOADS an upload gets 503 uploads_busy with Retry-After; the slot frees when the first ends", async () => {
    const ws = await makeWorkspace(t);
    const upload = (opts: { hold?: boolean } = {}) => {
      const req = http.request({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/api/public/upload?portal=${ws.slug}&name=notes.txt`,
        headers: { "content-type": "text/plain", "content-length": "12" },
      });
      const answered = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
        (resolve, reject) => {
          req.on("response", (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => {
              body += c;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          });
          req.on("error", reject);
        },
      );
      req.write("hello, ");
      if (!opts.hold) req.end("world");
      return { answered, finish: () => req.end("world") };
    };
    const first = upload({ hold: true });
    // The first holds the one slot while its body is on its way: its own answer waits for it.
    let busy: Awaited<typeof first.answered> | undefined;
    for (let i = 0; i < 50; i++) {
      busy = await upload().answered;
      if (busy.status === 503) break;
    }
    assert.equal(busy?.status, 503, busy?.body);
    assert.equal(JSON.parse(busy?.body ?? "{}").error.code, "uploads_busy");
    assert.ok(Number(busy?.headers["retry-after"]) > 0);
    first.finish();
    assert.equal((await first.answered).status, 201);
    const next = await upload().answered;
    assert.equal(next.status, 201, next.body);
  });
});
