import assert from "node:assert/strict";
import net from "node:net";
import os from "node:os";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { CompiledQuery, sql } from "kysely";
import { clockAnswers, type Instance, type TwoInstances, twoInstances } from "../test/two-instances.ts";
import { type ChangeClock, openRedisChangeClock } from "./changes.ts";
import { onlyReads, writesInWith } from "./changes-dialect.ts";
import { openDatabase } from "./connection.ts";
import { executeBatched } from "./prepared.ts";
import { createScratchDatabase, type ScratchDatabase } from "./scratch.ts";

// The read caches on PostgreSQL: two app instances (two processes' worth: each its own pool, Redis
// connections and caches) on one database and one Redis. What one writes, the other reads at once;
// with Redis away, reads still answer, from the database.

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;

const raw = (text: string) => CompiledQuery.raw(text);

test("a statement counts as a read only when it plainly is one", () => {
  const reads = ["select 1", "  SELECT * from tickets", "explain select 1", "show time zone", "values (1)"];
  for (const text of reads) assert.equal(onlyReads(raw(text).query, text), true, text);
  const writes = [
    "update tickets set subject = 'x'",
    "insert into t values (1)",
    "delete from t",
    "with x as (update t set a = 1 returning *) select * from x",
    "create table t (a int)",
    "vacuum",
    "truncate t",
  ];
  for (const text of writes) assert.equal(onlyReads(raw(text).query, text), false, text);
  assert.equal(writesInWith(raw(writes[3] as string).query, writes[3] as string), true);
  assert.equal(writesInWith(raw(writes[0] as string).query, writes[0] as string), false);
});

/** A change clock that counts what it is told. */
class CountingClock implements ChangeClock {
  told = 0;
  current = async () => `${this.told}`;
  changed = async () => {
    this.told++;
  };
  close() {}
}

describe("committed writes on PostgreSQL", {
  skip: DATABASE_URL ? false : "DATABASE_URL is not set: the change clock is PostgreSQL's",
}, () => {
  let scratch: ScratchDatabase;
  let database: ReturnType<typeof openDatabase>;
  const clock = new CountingClock();
  before(async () => {
    scratch = await createScratchDatabase(DATABASE_URL as string, "portico_changes");
    database = openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir() });
    await sql`create table notes (id int primary key, body text)`.execute(database.db);
    database.changes = clock;
  });
  after(async () => {
    await database?.close();
    await scratch?.drop();
  });

  test("each is told once, before its caller goes on; reads and rolled-back writes are not", async () => {
    const { db } = database;
    const told = () => clock.told;
    const start = told();
    await db
      .selectFrom("notes" as never)
      .selectAll()
      .execute();
    await sql`select count(*) from notes`.execute(db);
    assert.equal(told(), start, "reads");
    await db
      .insertInto("notes" as never)
      .values({ id: 1, body: "a" } as never)
      .execute();
    assert.equal(told(), start + 1, "a write outside a transaction");
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable("notes" as never)
        .set({ body: "b" } as never)
        .execute();
      await tx
        .insertInto("notes" as never)
        .values({ id: 2, body: "c" } as never)
        .execute();
      assert.equal(told(), start + 1, "not before the commit");
    });
    assert.equal(told(), start + 2, "a transaction's writes, once at its commit");
    await db.transaction().execute(async (tx) => {
      await tx
        .selectFrom("notes" as never)
        .selectAll()
        .execute();
    });
    assert.equal(told(), start + 2, "a transaction that only read");
    await db
      .updateTable("notes" as never)
      .set({ body: "z" } as never)
      .where("id" as never, "=", 99 as never)
      .execute();
    await db.transaction().execute(async (tx) => {
      await tx
        .deleteFrom("notes" as never)
        .where("id" as never, "=", 99 as never)
        .execute();
    });
    assert.equal(told(), start + 2, "writes that changed no row");
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await tx.deleteFrom("notes" as never).execute();
        throw new Error("changed my mind");
      }),
    );
    assert.equal(told(), start + 2, "a rolled-back transaction");
    await sql`with gone as (delete from notes where id = 2 returning id) select * from gone`.execute(db);
    assert.equal(told(), start + 3, "a select whose WITH writes");
    // A ticket event's statement on PostgreSQL: the event inserted in the WITH, then its webhook
    // deliveries, none when no endpoint listens. The row count is the outer insert's: 0.
    await sql`with added as (insert into notes (id, body) values (3, 'd') returning id)
      insert into notes (id, body) select id + 100, 'copy' from added where false`.execute(db);
    assert.equal(told(), start + 4, "an insert of nothing whose WITH inserted");
    await database.db.transaction().execute(async (tx) => {
      await executeBatched(
        database,
        tx,
        tx.insertInto("notes" as never).values({ id: 4, body: "e" } as never),
      );
      assert.equal(told(), start + 4, "a batched write, not before the commit");
    });
    assert.equal(told(), start + 5, "a batched write, at its commit");
  });
});

describe("the change clock in Redis", {
  skip: REDIS_URL ? false : "REDIS_URL is not set",
}, () => {
  test("lookups asked in one turn share one reading, taken after all of them asked", async () => {
    const name = `clock_${process.pid}_${Date.now()}`;
    const reader = await openRedisChangeClock(REDIS_URL as string, name);
    const writer = await openRedisChangeClock(REDIS_URL as string, name);
    try {
      // Both connected.
      for (const clock of [reader, writer]) {
        for (let i = 0; i < 100 && (await clock.current()) === null; i++) await sleep(20);
      }
      const first = reader.current();
      const second = reader.current();
      assert.equal(first, second, "one reading for both");
      const before = await first;
      assert.notEqual(before, null);
      const sent = reader.current();
      // Its GET is sent in this turn's check phase; the change is said after that.
      await new Promise((resolve) => setImmediate(resolve));
      await writer.changed();
      const after = reader.current();
      assert.notEqual(after, sent, "a lookup asked later does not share a reading sent before it asked");
      assert.notEqual(await after, before, "and it sees the change said before it asked");
    } finally {
      reader.close();
      writer.close();
    }
  });
});

describe("named prepared statements on PostgreSQL", {
  skip: DATABASE_URL ? false : "DATABASE_URL is not set: named statements are PostgreSQL's",
}, () => {
  test("a statement prepared before a column was added answers the new columns after", async () => {
    const scratch = await createScratchDatabase(DATABASE_URL as string, "portico_named");
    const database = openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), poolSize: 1 });
    try {
      await sql`create table things (id int primary key)`.execute(database.db);
      await sql`insert into things values (1)`.execute(database.db);
      const read = () => database.namedQuery?.("things_all", "select things.* from things", []);
      assert.deepEqual(await read(), [{ id: 1 }]);
      await sql`alter table things add column name text not null default 'one'`.execute(database.db);
      assert.deepEqual(await read(), [{ id: 1, name: "one" }]);
      assert.deepEqual(await read(), [{ id: 1, name: "one" }]);
    } finally {
      await database.close();
      await scratch.drop();
    }
  });
});

/** A TCP relay to Redis that the test can cut and restore, standing for Redis going away. */
async function redisRelay(redisUrl: string) {
  const target = new URL(redisUrl);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe("the read caches of two app instances on one PostgreSQL database", {
  skip:
    DATABASE_URL && REDIS_URL
      ? false
      : "DATABASE_URL and REDIS_URL are not both set: the caches are shared across processes through Redis",
}, () => {
  const slug = "acme";
  let world: TwoInstances;
  let a: Instance;
  let b: Instance;
  let agentHeaders: Record<string, string>;
  let ticket: { reference: string; token: string };

  const track = (i: Instance) =>
    i.app.inject({ url: `/api/public/portals/${slug}/tickets/${ticket.reference}?t=${ticket.token}` });
  const view = async (i: Instance) => {
    const res = await track(i);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { subject: string; status: string; conversation: { body: string }[] };
  };
  /** Changes the subject behind every cache's back: no process is told. */
  const subjectBehindTheCaches = (subject: string) =>
    world.sql.query("update tickets set subject = $1 where number = $2", [
      subject,
      Number(ticket.reference.slice(4)),
    ]);
  /**
   * Runs `body` with the instance's change clock going through a relay to Redis that the body
   * may cut and restore; the instance's own clock is put back afterwards.
   */
  const throughRelay = async (
    i: Instance,
    body: (relay: Awaited<ReturnType<typeof redisRelay>>) => Promise<void>,
  ) => {
    const relay = await redisRelay(REDIS_URL as string);
    const own = i.ctx.database.changes as ChangeClock;
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(
      i.ctx.database.db,
    );
    const clock = await openRedisChangeClock(relay.url, rows[0]?.name as string);
    i.ctx.database.changes = clock;
    try {
      await body(relay);
    } finally {
      i.ctx.database.changes = own;
      clock.close();
      relay.close();
    }
  };

  before(async () => {
    world = await twoInstances({
      databaseUrl: DATABASE_URL as string,
      redisUrl: REDIS_URL as string,
      name: "portico_changes",
      workspace: { slug, name: "Acme", adminEmail: "ada@acme.test" },
    });
    ({ a, b } = world);
    agentHeaders = world.admin;
    const submitted = await a.app.inject({
      method: "POST",
      url: `/api/public/portals/${slug}/tickets`,
      payload: { name: "Casey", email: "casey@customer.test", subject: "The printer is on fire" },
    });
    assert.equal(submitted.statusCode, 201, submitted.body);
    const { reference, trackingUrl } = submitted.json() as { reference: string; trackingUrl: string };
    ticket = { reference, token: new URL(trackingUrl, "http://x").searchParams.get("t") as string };
    await clockAnswers(a);
    await clockAnswers(b);
  });
  after(() => world?.close());

  test("the tracking read is kept: a change no process was told of is not seen", async () => {
    assert.equal((await view(b)).subject, "The printer is on fire");
    await subjectBehindTheCaches("Changed behind the caches");
    assert.equal((await view(b)).subject, "The printer is on fire", "answered from B's cache");
    assert.equal((await view(a)).subject, "Changed behind the caches", "A had nothing cached");
  });

  test("a customer's reply through one instance is in the other's next read at once", async () => {
    await view(b);
    const reply = await a.app.inject({
      method: "POST",
      url: `/api/public/portals/${slug}/tickets/${ticket.reference}/replies?t=${ticket.token}`,
      payload: { body: "Unplugged, thanks." },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const seen = await view(b);
    assert.deepEqual(
      seen.conversation.map((m) => m.body),
      ["Unplugged, thanks."],
    );
  });

  test("an agent's reply through one instance is in the other's next read at once", async () => {
    await view(a);
    const reply = await b.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${ticket.reference}/replies`,
      headers: agentHeaders,
      payload: { body: "A technician is on the way.", status: "waiting" },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const seen = await view(a);
    assert.equal(seen.conversation.at(-1)?.body, "A technician is on the way.");
    assert.equal(seen.status, "waiting");
  });

  test("a portal closed through one instance is closed on the other at once", async () => {
    assert.equal((await track(b)).statusCode, 200);
    await a.ctx.database.db
      .updateTable("workspaces")
      .set({ portal_enabled: false })
      .where("slug", "=", slug)
      .execute();
    try {
      const res = await track(b);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal((res.json() as { error: { code: string } }).error.code, "portal_closed");
    } finally {
      await a.ctx.database.db
        .updateTable("workspaces")
        .set({ portal_enabled: true })
        .where("slug", "=", slug)
        .execute();
    }
    assert.equal((await track(b)).statusCode, 200);
  });

  test("with Redis away, reads answer from the database; with it back, they are kept again", async () => {
    await throughRelay(b, async (relay) => {
      await clockAnswers(b);
      await view(b);
      await subjectBehindTheCaches("Read while Redis is away");
      await relay.cut();
      assert.equal((await view(b)).subject, "Read while Redis is away", "read from the database");
      await subjectBehindTheCaches("Read again while Redis is away");
      assert.equal((await view(b)).subject, "Read again while Redis is away", "nothing kept meanwhile");
      await relay.restore();
      await clockAnswers(b);
      await view(b);
      await subjectBehindTheCaches("Kept again");
      assert.equal((await view(b)).subject, "Read again while Redis is away", "kept once Redis answers");
    });
  });

  test("a write made while Redis is away is told once it answers", async () => {
    await throughRelay(a, async (relay) => {
      await clockAnswers(a);
      const before = (await view(b)).conversation.length;
      await relay.cut();
      const reply = await a.app.inject({
        method: "POST",
        url: `/api/public/portals/${slug}/tickets/${ticket.reference}/replies?t=${ticket.token}`,
        payload: { body: "Written while A could not reach Redis." },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      await relay.restore();
      await clockAnswers(a);
      // The change A owes is said on its next attempt (at most a second later).
      for (let n = 0; n < 100; n++) {
        if ((await view(b)).conversation.length > before) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail("B never saw the write A made while Redis was away");
    });
  });
});
