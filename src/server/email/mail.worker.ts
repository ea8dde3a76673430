import { parentPort, workerData } from "node:worker_threads";
import type { OutboxEmailTable } from "../db/schema.ts";
import type { SendOutcome } from "../ports.ts";
import { outgoingMessageOf } from "./email.message.ts";
import { classifySendError, createTransport, type TransportSettings } from "./email.transport.ts";

// The mail thread (mailer.ts): renders an outbox row's text and HTML, composes the MIME message
// and hands it to the relay or writes the .eml, off the event loop that answers requests. Takes
// one row, or a batch of rows (the .eml files: written side by side, answered in one message).
// Answers each row with the refused recipients, or the failure classified here.

const transport = createTransport(workerData as TransportSettings);

async function send(row: OutboxEmailTable): Promise<SendOutcome> {
  try {
    const { rejected } = await transport.send(outgoingMessageOf(row));
    return { rejected };
  } catch (err) {
    return { failure: classifySendError(err) };
  }
}

parentPort?.on(
  "message",
  async (msg: { id: number; row: OutboxEmailTable } | { id: number; rows: OutboxEmailTable[] }) => {
    if ("rows" in msg) {
      parentPort?.postMessage({ id: msg.id, outcomes: await Promise.all(msg.rows.map(send)) });
    } else {
      parentPort?.postMessage({ id: msg.id, ...(await send(msg.row)) });
    }
  },
);

// Loaded (templates, catalogues, transport): sends are timed from here, not from the thread's start.
parentPort?.postMessage({ ready: true });
