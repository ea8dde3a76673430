import fs from "node:fs";
import path from "node:path";
import { startChild } from "../lib/children.ts";
import { fmtInt } from "../lib/format.ts";
import { expectStatus, request } from "../lib/http.ts";
import { measure } from "../lib/load.ts";
import { SLUG } from "../lib/seed.ts";
import type { Stage } from "../lib/stage.ts";

// The public tracking read, GET /api/public/portals/:slug/tickets/:reference?t=TOKEN: next to a
// bare node:http server answering the same JSON, then for one ticket, then for thousands in turn.

export interface TrackedTicket {
  /** The tracking read's path, with its token. */
  path: string;
  /** A file holding the read's JSON answer, for the bare server to send. */
  bodyFile: string;
}

/**
 * The tracked ticket: submitted through the API, with an agent's reply and the customer's
 * answer, so the tracking read carries a short conversation.
 */
export async function prepareTrackedTicket(
  base: string,
  agentHeaders: Record<string, string>,
  dataDir: string,
): Promise<TrackedTicket> {
  const submitted = await expectStatus(
    "submission",
    request(base, "POST", `/api/public/portals/${SLUG}/tickets`, {
      body: {
        name: "Casey Customer",
        email: "casey@customer.test",
        subject: "The printer is on fire",
        description: "Since this morning the office printer smells of smoke and prints blank pages.",
        type: "Bug Report",
      },
    }),
    201,
  );
  const { reference, trackingUrl } = submitted.json as { reference: string; trackingUrl: string };
  const token = new URL(trackingUrl, base).searchParams.get("t") as string;
  await expectStatus(
    "agent reply",
    request(base, "POST", `/api/workspace/tickets/${reference}/replies`, {
      headers: agentHeaders,
      body: {
        body: "Sorry to hear that! Please unplug it; a technician is on the way.",
        status: "waiting",
      },
    }),
    201,
  );
  const trackPath = `/api/public/portals/${SLUG}/tickets/${reference}?t=${encodeURIComponent(token)}`;
  await expectStatus(
    "customer reply",
    request(
      base,
      "POST",
      `/api/public/portals/${SLUG}/tickets/${reference}/replies?t=${encodeURIComponent(token)}`,
      { body: { body: "Unplugged, thanks. The smoke has stopped." } },
    ),
    201,
  );
  const tracked = await expectStatus("tracking read", request(base, "GET", trackPath), 200);
  const bodyFile = path.join(dataDir, "bare-body.json");
  fs.writeFileSync(bodyFile, tracked.text);
  console.log(`  tracked ticket ${reference}: ${fmtInt(Buffer.byteLength(tracked.text))} bytes of JSON`);
  return { path: trackPath, bodyFile };
}

/** The baseline: bench/bare-server.ts in its own process, answering the tracking read's JSON. */
export async function measureBare(stage: Stage, tracked: TrackedTicket): Promise<void> {
  const bare = await startChild(
    "bare",
    ["bench/bare-server.ts"],
    { PATH: stage.env.PATH as string, BARE_BODY_FILE: tracked.bodyFile },
    "/",
  );
  stage.cleanups.push(bare.stop);
  await measure(stage.rec, stage.settings, bare.proc.pid, "bare", "bare node:http (same JSON)", {
    url: bare.base + tracked.path,
    connections: stage.settings.connections,
  });
  await bare.stop();
}

export async function measureTracking(
  stage: Stage,
  tracked: TrackedTicket,
  recent: { reference: string; token: string }[],
): Promise<void> {
  const { base, settings } = stage;
  const c = settings.connections;
  await measure(stage.rec, settings, stage.pid, "tracking", "tracking read, one ticket", {
    url: base + tracked.path,
    connections: c,
  });
  // The same read over thousands of different tickets, so each request reads the database
  // instead of the copy a repeated read is served from (the cache holds 2,000).
  if (recent.length === 0) {
    console.log("  tracking read over many tickets: skipped, no seeded ticket has a valid link");
    return;
  }
  let next = 0;
  const paths = recent.map(
    (r) => `/api/public/portals/${SLUG}/tickets/${r.reference}?t=${encodeURIComponent(r.token)}`,
  );
  await measure(
    stage.rec,
    settings,
    stage.pid,
    "tracking_many",
    `tracking read, ${fmtInt(paths.length)} tickets in turn`,
    {
      url: base,
      connections: c,
      requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
    },
  );
}
