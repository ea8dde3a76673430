import os from "node:os";
import { parseArgs } from "node:util";
import { newId } from "../src/server/ids.ts";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { testEnv } from "../src/server/test/harness.ts";

// One ticket with a very long conversation (BENCH_LONG_REPLIES customer replies, 14,000 by
// default): what its tracking page and tracking read, and the agents' ticket page and API, cost in
// bytes and time. Server-side, in
// one process (`app.inject`: routing, the token, the read, the view, the HTML), on a fresh
// database (SQLite in a temp folder, or a scratch PostgreSQL database with DATABASE_URL).

const { values: flags } = parseArgs({ options: { help: { type: "boolean" } } });
if (flags.help) {
  console.log(`node bench/long-conversation.ts
  BENCH_LONG_REPLIES   customer replies on the ticket (14000)
  BENCH_LONG_REQUESTS  requests timed per row, one after another, after the first (20)
  DATABASE_URL         PostgreSQL instead of SQLite`);
  process.exit(0);
}

const REPLIES = Number(process.env.BENCH_LONG_REPLIES ?? 14_000);
const REQUESTS = Number(process.env.BENCH_LONG_REQUESTS ?? 20);

const t = await testEnv();
try {
  const team = await makeTeam(t);
  const s = await submitTicket(t, team.ws.slug, { description: "The request itself." });
  const db = t.ctx.database.db;
  const ticket = await db
    .selectFrom("tickets")
    .select(["id", "contact_id"])
    .where("workspace_id", "=", team.ws.id)
    .where("number", "=", Number(s.reference.slice(4)))
    .executeTakeFirstOrThrow();
  const seeded = performance.now();
  const start = Date.parse("2026-01-01T00:00:00Z");
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < REPLIES; i += 500) {
      const rows = [];
      for (let j = i; j < Math.min(REPLIES, i + 500); j++) {
        rows.push({
          id: newId(),
          workspace_id: team.ws.id,
          ticket_id: ticket.id,
          author_type: "contact" as const,
          author_agent_id: null,
          author_contact_id: ticket.contact_id,
          body: `Reply number ${j}: is there any news on this? The printer still smells of smoke.`,
          internal: false,
          channel: "portal",
          email_message_id: null,
          created_at: new Date(start + j * 60_000).toISOString(),
        });
      }
      await tx.insertInto("comments").values(rows).execute();
    }
  });
  console.log(
    `${t.ctx.database.dialect}: ${REPLIES} replies seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  const page = `/portal/${team.ws.slug}/tickets/${s.reference}`;
  const api = `/api/public/portals/${team.ws.slug}/tickets/${s.reference}?t=${encodeURIComponent(s.token)}`;
  const cookie = { cookie: `portico_track=${s.token}` };

  async function row(name: string, url: string, headers: Record<string, string> = {}) {
    const once = async () => {
      const cpu = process.cpuUsage();
      const at = performance.now();
      const res = await t.app.inject({ url, headers });
      const ms = performance.now() - at;
      const used = process.cpuUsage(cpu);
      if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      return { ms, cpuMs: (used.user + used.system) / 1000, bytes: res.rawPayload.length, body: res.body };
    };
    const first = await once();
    const times: number[] = [];
    let cpu = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const r = await once();
      times.push(r.ms);
      cpu += r.cpuMs;
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) =>
      times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] as number;
    console.log(
      `${name.padEnd(34)} ${String(first.bytes).padStart(10)} B  first ${first.ms.toFixed(1).padStart(7)} ms  then p50 ${pct(50).toFixed(1).padStart(7)} ms  p99 ${pct(99).toFixed(1).padStart(7)} ms  CPU ${(cpu / REQUESTS).toFixed(1).padStart(7)} ms/request`,
    );
    return first;
  }

  console.log(
    `${"".padEnd(34)} ${"size".padStart(12)}  (first request, then ${REQUESTS} more one after another)`,
  );
  await row("tracking page (HTML)", page, cookie);
  const json = await row("tracking read (JSON)", api);
  const next = (JSON.parse(json.body) as { nextBefore?: string | null }).nextBefore;
  if (next) {
    await row("tracking page, older messages", `${page}?before=${encodeURIComponent(next)}`, cookie);
    await row("tracking read, older messages", `${api}&before=${encodeURIComponent(next)}`);
  }
  const agent = { cookie: team.agent.cookie };
  await row("agents' ticket page (HTML)", `/app/tickets/${s.reference}`, agent);
  const detail = await row("agents' ticket (JSON)", `/api/workspace/tickets/${s.reference}`, agent);
  const older = (JSON.parse(detail.body) as { nextBefore?: string | null }).nextBefore;
  if (older) {
    await row(
      "agents' ticket, older messages",
      `/api/workspace/tickets/${s.reference}?before=${encodeURIComponent(older)}`,
      agent,
    );
  }
} finally {
  await t.close();
}
