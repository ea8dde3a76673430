import type autocannon from "autocannon";
import { openDatabase } from "../../src/server/db/connection.ts";
import { TICKET_TYPES } from "../../src/shared/tickets.ts";
import { sleep } from "../lib/children.ts";
import { costMeter, fmtCost } from "../lib/cost.ts";
import { fmtInt, fmtMs } from "../lib/format.ts";
import { type Measured, type Raw, runLoad, settle, summarize } from "../lib/load.ts";
import { SLUG } from "../lib/seed.ts";
import type { Stage } from "../lib/stage.ts";
import { PROBLEMS, PRODUCTS, SENTENCES } from "../lib/words.ts";

// Ticket submission, POST /api/public/portals/:slug/tickets, every request a new customer and
// ticket; checked to have made exactly one ticket per 2xx. Then the emails they queued.

export interface SubmissionCheck {
  before: number;
  after: number;
  grew: number;
  responses2xx: number;
  distinctReferences: number;
  verified: boolean;
}

export interface Delivery {
  sentDuringSubmissions: number;
  waitingAtEnd: number;
  drainPerSecond: number;
}

export interface SubmissionsResult {
  sub: Measured;
  check: SubmissionCheck;
  delivery: Delivery;
}

type Env = Record<string, string>;

async function countTickets(env: Env, workspaceId: string): Promise<number> {
  const database = openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR as string });
  try {
    const row = await database.db
      .selectFrom("tickets")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await database.close();
  }
}

/** The workspace's outbox by state. */
async function countOutbox(env: Env, workspaceId: string): Promise<Record<string, number>> {
  const database = openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR as string });
  try {
    const rows = await database.db
      .selectFrom("outbox_emails")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("workspace_id", "=", workspaceId)
      .groupBy("status")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  } finally {
    await database.close();
  }
}

/** The count once it stops changing: requests abandoned by a finished load may still commit. */
export async function settledTicketCount(env: Env, workspaceId: string): Promise<number> {
  let last = await countTickets(env, workspaceId);
  for (let i = 0; i < 50; i++) {
    await sleep(300);
    const now = await countTickets(env, workspaceId);
    if (now === last) return now;
    last = now;
  }
  throw new Error("the ticket count kept changing with no load running");
}

/**
 * Every request a different customer and body, with its own Idempotency-Key as the portal sends.
 * The requests made are numbered across loads; given a set, a load adds each created reference.
 */
function submissionRequests(): (references: Set<string> | null) => autocannon.Request[] {
  const runTag = Date.now().toString(36);
  let seq = 0;
  return (references) => [
    {
      method: "POST",
      path: `/api/public/portals/${SLUG}/tickets`,
      setupRequest: (req) => {
        const i = ++seq;
        return {
          ...req,
          headers: {
            ...req.headers,
            "content-type": "application/json",
            "idempotency-key": `bench-${runTag}-${i}`,
          },
          body: JSON.stringify({
            name: `Bench Customer ${i}`,
            email: `bench-${runTag}-${i}@customer${i % 89}.test`,
            subject: `The ${PRODUCTS[i % PRODUCTS.length]} ${PROBLEMS[i % PROBLEMS.length]} (${i})`,
            description: `${SENTENCES[i % SENTENCES.length]} ${SENTENCES[(i * 7) % SENTENCES.length]} Reference ${runTag}-${i}.`,
            type: TICKET_TYPES[i % TICKET_TYPES.length],
          }),
        };
      },
      ...(references
        ? {
            onResponse: (status: number, body: string) => {
              if (status === 201) references.add((JSON.parse(body) as { reference: string }).reference);
            },
          }
        : {}),
    },
  ];
}

export async function measureSubmissions(stage: Stage, workspaceId: string): Promise<SubmissionsResult> {
  const { base, settings, env } = stage;
  const c = settings.connections;
  const references = new Set<string>();
  const submitRequests = submissionRequests();
  // Every submission must be answered before the tickets are counted, so this load runs as a
  // fixed number of requests rather than a timed run (which ends by dropping its connections):
  // batches sized from the rate so far until BENCH_DURATION seconds of answers are in.
  process.stdout.write("  submissions … ");
  let rate = 0;
  if (settings.warmup > 0) {
    const warm = summarize([
      await runLoad({ url: base, connections: c, duration: settings.warmup, requests: submitRequests(null) }),
    ]);
    if (warm.non2xx || warm.errors) stage.rec.failed = true;
    rate = warm.rps;
  }
  // The warm-up ended by dropping its connections; requests still in flight may commit after.
  await settle(base);
  const before = await settledTicketCount(env, workspaceId);
  const sentBefore = (await countOutbox(env, workspaceId)).sent ?? 0;
  const cost = costMeter(stage.pid);
  const batches: Raw[] = [];
  let elapsed = 0;
  while (elapsed < settings.duration * 0.95) {
    const amount = Math.max(c * 4, Math.round(Math.max(rate, 100) * (settings.duration - elapsed)));
    const batch = await runLoad({ url: base, connections: c, amount, requests: submitRequests(references) });
    batches.push(batch);
    elapsed += batch.seconds;
    rate = batch.ok / batch.seconds;
  }
  const summed = summarize(batches);
  const sub = { ...summed, ...cost(summed.ok) };
  const after = await settledTicketCount(env, workspaceId);
  stage.rec.measured.push({ key: "submit", label: "submissions (durable)", m: sub });
  const grew = after - before;
  const verified = grew === sub.ok && sub.non2xx === 0 && sub.errors === 0 && references.size === sub.ok;
  if (!verified) stage.rec.failed = true;
  console.log(
    `${fmtInt(sub.rps)} req/s, p50 ${fmtMs(sub.p50)} ms, p99 ${fmtMs(sub.p99)} ms (${fmtInt(sub.ok)} in ${sub.seconds.toFixed(1)} s, ${batches.length} batch${batches.length > 1 ? "es" : ""}; ${fmtCost(sub)})`,
  );
  const submitCheck = `tickets ${fmtInt(before)} → ${fmtInt(after)} (+${fmtInt(grew)}), ${fmtInt(sub.ok)} × 2xx with ${fmtInt(references.size)} distinct references, ${sub.non2xx} non-2xx, ${sub.errors} errors`;
  console.log(`  check: ${submitCheck}: ${verified ? "OK" : "FAILED"}`);
  const delivery = await measureDelivery(env, workspaceId, sentBefore);
  return {
    sub,
    check: { before, after, grew, responses2xx: sub.ok, distinctReferences: references.size, verified },
    delivery,
  };
}

/** Their emails: the outbox steps back while requests are answered, then drains (up to 15 s). */
async function measureDelivery(env: Env, workspaceId: string, sentBefore: number): Promise<Delivery> {
  const atEnd = await countOutbox(env, workspaceId);
  const drainFrom = atEnd.pending ?? 0;
  const drainStart = performance.now();
  let waiting = drainFrom;
  while (waiting > 0 && performance.now() - drainStart < 15_000) {
    await sleep(500);
    waiting = (await countOutbox(env, workspaceId)).pending ?? 0;
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const drainRate = drainFrom > waiting ? (drainFrom - waiting) / drainSeconds : 0;
  console.log(
    `  emails: ${fmtInt((atEnd.sent ?? 0) - sentBefore)} sent during the submissions, ${fmtInt(drainFrom)} waiting at the end; then ${fmtInt(drainRate)} emails/s delivered (${fmtInt(drainFrom - waiting)} in ${drainSeconds.toFixed(1)} s, ${fmtInt(waiting)} left)`,
  );
  return {
    sentDuringSubmissions: (atEnd.sent ?? 0) - sentBefore,
    waitingAtEnd: drainFrom,
    drainPerSecond: drainRate,
  };
}
