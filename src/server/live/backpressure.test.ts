import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { MemoryLiveBus } from "./memory-bus.ts";
import { LiveStreams, MAX_BUFFERED_BYTES } from "./streams.ts";

// A live stream whose client stops reading: the server's buffer for it must not grow without end.
// Real sockets on loopback: the client sends its request and never reads; the events pile up in
// the kernel's buffers, then in the stream's own, and past MAX_BUFFERED_BYTES the stream is dropped.

const bus = new MemoryLiveBus();
const streams = new LiveStreams(bus);
let server: http.Server;
let port: number;
const WS = "ws-backpressure";

before(async () => {
  server = http.createServer((_req, res) =>
    streams.open(
      res,
      {
        workspaceId: WS,
        agentId: "agent-1",
        sessionId: "session-1",
        expiresAt: Date.now() + 3600_000,
        stillValid: async () => true,
      },
      Date.now(),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});
after(async () => {
  streams.closeAll();
  await bus.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test("a stream whose client does not read is ended, not buffered without end", async () => {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  socket.pause();
  socket.write(`GET /live HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
  for (let i = 0; i < 100_000 && streams.size === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(streams.size, 1, "the stream is open");

  // Far more than the kernel's buffers on loopback hold: 64 MiB in 64 KiB events.
  const pad = "x".repeat(64 * 1024);
  for (let i = 0; i < 1024 && streams.size > 0; i++) {
    bus.publish({ workspaceId: WS, topic: "ticket", reference: "TKT-0001", data: { pad } });
    if (i % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.equal(streams.size, 0, `dropped once more than ${MAX_BUFFERED_BYTES} bytes waited`);

  // Read now: what the kernel held arrives, then the end; an event published after the drop never does.
  bus.publish({ workspaceId: WS, topic: "ticket", reference: "TKT-LAST" });
  let tail = "";
  const ended = await new Promise<boolean>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString("latin1")).slice(-64);
      if (tail.includes("TKT-LAST")) resolve(false);
    });
    socket.on("end", () => resolve(true));
    socket.on("close", () => resolve(true));
    socket.on("error", () => resolve(true));
    socket.resume();
  });
  assert.ok(ended, "the connection ended");
  socket.destroy();
});
