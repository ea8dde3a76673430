import { expectStatus, request } from "../lib/http.ts";
import { measure } from "../lib/load.ts";
import type { Stage } from "../lib/stage.ts";
import { SEARCH_TERM } from "../lib/words.ts";

// The agents' queue, GET /api/workspace/tickets with a session cookie: the first page, the open
// tickets, and a full-text search.

const QUEUE_PATHS = {
  queue: "/api/workspace/tickets",
  queue_status: "/api/workspace/tickets?status=open",
  queue_search: `/api/workspace/tickets?q=${SEARCH_TERM}`,
};

/** Before measuring: each queue read answers a full page of 25 tickets. */
export async function checkQueuePages(base: string, cookie: string): Promise<void> {
  for (const [k, p] of Object.entries(QUEUE_PATHS)) {
    const r = await expectStatus(k, request(base, "GET", p, { headers: { cookie } }), 200);
    const items = (r.json as { items: unknown[] }).items.length;
    if (items !== 25) throw new Error(`${p}: expected a page of 25 tickets, got ${items}`);
  }
}

export async function measureQueue(stage: Stage, cookie: string): Promise<void> {
  const { base, settings } = stage;
  const c = settings.connections;
  const rows: [keyof typeof QUEUE_PATHS, string][] = [
    ["queue", "queue, first page"],
    ["queue_status", "queue, status=open"],
    ["queue_search", `queue, q=${SEARCH_TERM}`],
  ];
  for (const [key, label] of rows) {
    await measure(stage.rec, settings, stage.pid, key, label, {
      url: base + QUEUE_PATHS[key],
      connections: c,
      headers: { cookie },
    });
  }
}
