import { parentPort, workerData } from "node:worker_threads";
import type { OutboxEmailTable } from "../db/schema.ts";
import { outgoingMessageOf } from "./email.message.ts";
import { classifySendError, createTransport, type TransportSettings } from "./email.transport.ts";

// The mail thread (mailer.ts): renders an outbox row's text and HTML, composes the MIME message
// and hands it to the relay or writes the .eml, one row at a time, off the event loop that
// answers requests. Answers each row with the refused recipients, or the failure classified here.

const transport = createTransport(workerData as TransportSettings);

parentPort?.on("message", async (msg: { id: number; row: OutboxEmailTable }) => {
  try {
    const { rejected } = await transport.send(outgoingMessageOf(msg.row));
    parentPort?.postMessage({ id: msg.id, rejected });
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, failure: classifySendError(err) });
  }
});

// Loaded (templates, catalogues, transport): sends are timed from here, not from the thread's start.
parentPort?.postMessage({ ready: true });
