import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { systemActor } from "../src/server/actors.ts";
import { loadConfig } from "../src/server/config.ts";
import { createScratchDatabase } from "../src/server/db/scratch.ts";
import { deliverDueEmails } from "../src/server/email/delivery.ts";
import { closeContext, createContext } from "../src/server/main.ts";
import { submitPortalTicket } from "../src/server/tickets/submit.ts";
import { createWorkspaceWithAdmin } from "../src/server/workspaces/workspace.service.ts";
import { costMeter } from "./lib/cost.ts";
import { fmtInt } from "./lib/format.ts";
import { machineInfo } from "./lib/machine.ts";

// npm run bench or node bench/outbox.ts: how fast the outbox drains to `.eml` files. Queues the
// emails of BENCH_OUTBOX_SUBMISSIONS portal submissions (a confirmation and the team's notice
// each), then delivers them in one process as the outbox worker does, and prints emails/s and
// the process's CPU time (every thread: the mail thread too) per email. See README.md.

const { values: args } = parseArgs({
  options: { help: { type: "boolean", short: "h" }, "keep-data": { type: "boolean" } },
});
if (args.help) {
  console.log(`Usage: node bench/outbox.ts [--keep-data]
Queues the emails of BENCH_OUTBOX_SUBMISSIONS (5000) portal submissions in a fresh database
(two emails each: the confirmation and the team's notice), then drains the outbox to .eml files
as the outbox worker does, and prints emails/s, the process's CPU ms per email (all threads) and
the machine's steal. DATABASE_URL=postgres://… runs on PostgreSQL (REDIS_URL for the limiter).
Run it with --cpu-prof to see where an email's time goes.`);
  process.exit(0);
}

const submissions = Math.max(1, Math.round(Number(process.env.BENCH_OUTBOX_SUBMISSIONS ?? 5000)));
const engine = process.env.DATABASE_URL ? "postgres" : "sqlite";
const cleanups: (() => Promise<void> | void)[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-bench-outbox-"));
if (!args["keep-data"]) cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
try {
  const machine = machineInfo();
  console.log(`Outbox benchmark: ${engine}, ${new Date().toISOString()}`);
  console.log(`settings: ${submissions} submissions; load average ${machine.loadAverageAtStart.join(" ")}`);
  let databaseUrl: string | undefined;
  if (process.env.DATABASE_URL) {
    const created = await createScratchDatabase(process.env.DATABASE_URL, "portico_bench");
    cleanups.push(created.drop);
    databaseUrl = created.url;
  }
  const config = loadConfig({
    PATH: process.env.PATH ?? "",
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    SUBMIT_RATE_LIMIT_PER_HOUR: "1000000000",
    UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "1000000000",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  });
  const ctx = await createContext(config);
  cleanups.push(() => closeContext(ctx));
  await createWorkspaceWithAdmin(ctx, systemActor("cli"), {
    slug: "bench",
    name: "Bench Support",
    admin: { email: "admin@bench.test", name: "Ada Admin", role: "admin", password: "bench-password-0123" },
  });
  const queueStart = performance.now();
  for (let i = 0; i < submissions; i++) {
    await submitPortalTicket(ctx, {
      slug: "bench",
      input: {
        name: `Customer ${i}`,
        email: `customer${i}@bench.test`,
        subject: `The printer on floor ${i % 12} is jammed again`,
        description: "It stopped halfway through the quarterly report.\n\nCould someone look at it?",
      },
      clientAddress: "127.0.0.1",
      idempotencyKey: undefined,
    });
  }
  const queued = Number(
    (
      await ctx.database.db
        .selectFrom("outbox_emails")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow()
    ).n,
  );
  console.log(
    `queued: ${fmtInt(queued)} emails in ${((performance.now() - queueStart) / 1000).toFixed(1)} s`,
  );

  // One email first: the mail thread starts and loads, as it has in a running server.
  await deliverDueEmails(ctx, systemActor("outbox"), { limit: 1 });
  const cost = costMeter(process.pid);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let sent = 1;
  for (;;) {
    const r = await deliverDueEmails(ctx, systemActor("outbox"), { limit: 1000 });
    const n = r.sent + r.retrying + r.failed + r.suppressed;
    sent += r.sent;
    if (r.retrying + r.failed + r.suppressed) throw new Error(`not sent: ${JSON.stringify(r)}`);
    if (n === 0) break;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const spent = cost(sent - 1);
  const files = fs.readdirSync(path.join(dataDir, "mail")).filter((f) => f.endsWith(".eml")).length;
  if (sent !== queued || files !== queued)
    throw new Error(`sent ${sent}, ${files} files, of ${queued} queued`);
  console.log(
    `drained: ${fmtInt(sent - 1)} emails in ${seconds.toFixed(2)} s: ${fmtInt((sent - 1) / seconds)} emails/s, ${((cpu.user + cpu.system) / 1000 / (sent - 1)).toFixed(3)} ms CPU per email (this process, every thread)${spent.stealPct !== undefined ? `, steal ${spent.stealPct.toFixed(1)}%` : ""}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  if (args["keep-data"]) console.log(`data kept in ${dataDir}`);
} finally {
  for (const c of cleanups.reverse()) await c();
}
