import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

// The checkpointer's thread (see checkpointer.ts): its own connection, copying committed WAL
// frames into the database file while the writer goes on committing.

const { file, everyMs } = workerData as { file: string; everyMs: number };
const port = parentPort;
if (!port) throw new Error("checkpoint.worker.ts runs as a worker thread");

const db = new DatabaseSync(file, { timeout: 1000 });
const checkpoint = db.prepare("pragma wal_checkpoint(passive)");
const run = () => checkpoint.get() as { busy: number; log: number; checkpointed: number };

const timer = setInterval(() => {
  try {
    run();
  } catch {
    // Busy or locked for a moment: the next round tries again, and the writer's own automatic
    // checkpoint remains as the fallback.
  }
}, everyMs);

port.on("message", (msg: { type: "checkpoint" | "stop"; id: number }) => {
  if (msg.type === "checkpoint") {
    try {
      port.postMessage({ id: msg.id, result: run() });
    } catch (err) {
      port.postMessage({ id: msg.id, error: String(err) });
    }
  } else {
    clearInterval(timer);
    db.close();
    port.postMessage({ id: msg.id, result: null });
    port.close();
  }
});
