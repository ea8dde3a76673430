import assert from "node:assert/strict";
import { createRequire } from "node:module";
import os from "node:os";
import { describe, test } from "node:test";
import { CompiledQuery, sql } from "kysely";
import { openDatabase } from "./connection.ts";
import { batchable, holdable, mergeWrites, withCommit, withWrites } from "./pg-batch.ts";
import { executeBatched, PreparedWrite } from "./prepared.ts";
import type { Tx } from "./schema.ts";
import { createScratchDatabase } from "./scratch.ts";

// PostgreSQL: a transaction's batched writes (inserts whose result nobody reads) sent together,
// with the next statement that reads none of their tables, or before the next one that does.

const DATABASE_URL = process.env.DATABASE_URL;
const raw = (text: string, parameters: unknown[] = []) => CompiledQuery.raw(text, parameters);

test("batched writes become the entries of one WITH, their parameters renumbered in order", () => {
  const [one, ...rest] = mergeWrites([
    raw("insert into a (x) values ($1)", [1]),
    raw('with "change" as (insert into b (y) values ($1)) insert into c (z) select $2 from d', [2, 3]),
    raw("insert into e (w) values ($1), ($2)", [4, 5]),
  ]);
  assert.equal(rest.length, 0);
  assert.equal(
    one?.sql,
    'with "portico_batch_0" as (insert into a (x) values ($1)), "change" as (insert into b (y) values ($2)), ' +
      '"portico_batch_1" as (insert into c (z) select $3 from d) insert into e (w) values ($4), ($5)',
  );
  assert.deepEqual(one?.parameters, [1, 2, 3, 4, 5]);
});

test("two writes whose WITH entries share a name go in two statements", () => {
  const event = (n: number) =>
    raw('with "change" as (insert into b (y) values ($1)) insert into c (z) values ($2)', [n, n]);
  const sent = mergeWrites([event(1), event(2)]);
  assert.equal(sent.length, 2);
  assert.deepEqual(
    sent.map((s) => s.parameters),
    [
      [1, 1],
      [2, 2],
    ],
  );
});

test("writes past 30,000 parameters in all go in several statements, none past the protocol's 65,535", () => {
  const email = (i: number) =>
    raw(
      `insert into outbox (${Array.from({ length: 20 }, (_, k) => `c${k}`).join(", ")}) values (${Array.from({ length: 20 }, (_, k) => `$${k + 1}`).join(", ")})`,
      Array.from({ length: 20 }, (_, k) => `${i}-${k}`),
    );
  const sent = mergeWrites(Array.from({ length: 3_500 }, (_, i) => email(i)));
  assert.ok(sent.length >= 3, `${sent.length} statements`);
  for (const s of sent) assert.ok(s.parameters.length <= 30_000, `${s.parameters.length} parameters`);
  assert.deepEqual(
    sent.flatMap((s) => s.parameters),
    Array.from({ length: 3_500 }, (_, i) => Array.from({ length: 20 }, (_, k) => `${i}-${k}`)).flat(),
  );
  assert.equal(withWrites(sent.slice(0, 2), raw("select 1 from agents")), null);
  assert.equal(withCommit(email(0))?.sql.endsWith("commit"), true);
  assert.equal(withCommit(sent[0] as CompiledQuery), null, "thousands of values keep their own round trip");
});

test("a statement with $n inside quotes is not sent inside another", () => {
  assert.equal(batchable("insert into a (x) values ($1 || '.')"), true);
  assert.equal(batchable("insert into a (x) values ('$1')"), false);
  assert.equal(batchable('insert into a ("$1") values ($1)'), false);
  assert.equal(batchable("with recursive r as (select 1) insert into a select * from r"), false);
});

test("a statement with a comment, a dollar-quoted or an E'' string is not sent inside another", () => {
  assert.equal(batchable("insert into a (x) values ($1) -- it's $1"), false);
  assert.equal(batchable("insert into a (x) values ($1) /* $2 */"), false);
  assert.equal(batchable("insert into a (x) values ($$ $1 $$), ($1)"), false);
  assert.equal(batchable("insert into a (x) values ($q$ $1 $q$)"), false);
  assert.equal(batchable("insert into a (x) values (E'\\'$1')"), false);
  assert.equal(batchable("insert into a (x, y) values ($1, '--')"), true, "a quoted -- is text");
});

test("only an insert that returns nothing and decides nothing on a conflict waits to be sent", () => {
  assert.equal(holdable('insert into "items" ("id", "label") values ($1, $2)'), true);
  assert.equal(
    holdable(
      'with "change" as (insert into "ticket_events" ("id") values ($1) returning "id") insert into "webhook_deliveries" ("id") select "id" from "change"',
    ),
    true,
  );
  assert.equal(holdable('update "items" set "label" = $1 where "id" = $2'), false);
  assert.equal(holdable('delete from "items" where "id" = $1'), false);
  assert.equal(holdable('insert into "items" ("id") values ($1) returning "id"'), false);
  assert.equal(holdable('insert into "items" ("id") values ($1) on conflict do nothing'), false);
  assert.equal(
    holdable(
      'with "u" as (update "others" set "id" = 2 where "id" = $1) insert into "items" ("id") values ($2)',
    ),
    false,
  );
  assert.equal(
    holdable('insert into "items" ("updated_at") values ($1)'),
    true,
    "a column named like a verb",
  );
  assert.equal(
    holdable(
      'with "a" as (insert into "others" ("id") values ($1) on conflict do nothing) insert into "items" ("id") values ($2)',
    ),
    false,
  );
});

test("a write that reads a table an earlier write of its group writes goes in a statement after it", () => {
  const first = raw('insert into "items" ("id") values ($1)', [1]);
  const copy = raw('insert into "archive" ("id") select "id" from "items" where "id" = $1', [1]);
  const another = raw('insert into "items" ("id") values ($1)', [2]);
  assert.equal(mergeWrites([first, another]).length, 1, "two inserts into one table share a statement");
  const sent = mergeWrites([first, copy, another]);
  assert.equal(sent.length, 2);
  assert.match(sent[0]?.sql ?? "", /^insert into "items"/);
  assert.match(sent[1]?.sql ?? "", /^with "portico_batch_0" as \(insert into "archive"/);
  assert.deepEqual(sent[1]?.parameters, [1, 2]);
  assert.equal(withWrites([first, copy], raw('select 1 from "agents"')), null, "nor beside it under a read");
  assert.notEqual(withWrites([first, another], raw('select 1 from "agents"')), null);
});

test("a read carries the writes only when it names none of their tables", () => {
  const writes = [raw('insert into "notifications" (x) values ($1)', [1])];
  assert.equal(withWrites(writes, raw('select * from "notifications" where x = $1', [1])), null);
  assert.equal(withWrites(writes, raw("select n.id from agents a join notifications n on true")), null);
  assert.equal(withWrites(writes, raw("show time zone")), null, "only a query carries writes");
  assert.equal(withWrites(writes, raw("explain select 1 from agents")), null);
  const qualified = [raw('insert into "public"."notifications" (x) values ($1)', [1])];
  assert.equal(withWrites(qualified, raw("select * from notifications")), null, "a schema before the name");
  assert.equal(
    withWrites(
      [raw("merge into items using others on false when not matched then insert values (1)")],
      raw("select 1"),
    ),
    null,
    "a write whose table is not read off its text",
  );
  const carried = withWrites(writes, raw('select "id" from "agents" where "workspace_id" = $1', ["w"]));
  assert.equal(
    carried?.sql,
    'with "portico_batch_0" as (insert into "notifications" (x) values ($1)) select "id" from "agents" where "workspace_id" = $2',
  );
  assert.deepEqual(carried?.parameters, [1, "w"]);
});

describe("batched writes on PostgreSQL", {
  skip: DATABASE_URL ? false : "DATABASE_URL is not set: batched writes are PostgreSQL's",
}, () => {
  const INSERT_ITEM = new PreparedWrite(
    ["id", "label"],
    (_db, p) => sql`insert into items (id, label) values (${p.id}, ${p.label})`,
    { batched: true },
  );

  async function withScratch(
    run: (database: ReturnType<typeof openDatabase>, sent: string[]) => Promise<void>,
  ) {
    const scratch = await createScratchDatabase(DATABASE_URL as string, "portico_batch");
    const database = openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), poolSize: 1 });
    // What goes over the wire: the driver's own client, observed.
    const pg = createRequire(import.meta.url)("pg") as typeof import("pg");
    const query = pg.Client.prototype.query;
    const sent: string[] = [];
    try {
      await sql`create table items (id int primary key, label text not null)`.execute(database.db);
      await sql`create table others (id int primary key)`.execute(database.db);
      await sql`insert into others values (1), (2)`.execute(database.db);
      // biome-ignore lint/suspicious/noExplicitAny: pg's overloads
      (pg.Client.prototype as any).query = function (this: unknown, q: any, ...rest: unknown[]) {
        sent.push(typeof q === "string" ? q : q.text);
        // biome-ignore lint/suspicious/noExplicitAny: pg's overloads
        return (query as any).call(this, q, ...rest);
      };
      await run(database, sent);
    } finally {
      pg.Client.prototype.query = query;
      await database.close();
      await scratch.drop();
    }
  }

  const add = (database: ReturnType<typeof openDatabase>, tx: Tx, id: number, label = `item ${id}`) =>
    INSERT_ITEM.execute(database, tx, { id, label });

  test("three writes and a read of another table go in one statement, and the writes commit", async () => {
    await withScratch(async (database, sent) => {
      const others = await database.db.transaction().execute(async (tx) => {
        await add(database, tx, 1);
        await add(database, tx, 2);
        await executeBatched(
          database,
          tx,
          tx.insertInto("items" as never).values({ id: 3, label: "three" } as never),
        );
        return tx
          .selectFrom("others" as never)
          .select("id" as never)
          .orderBy("id" as never)
          .execute();
      });
      assert.deepEqual(others, [{ id: 1 }, { id: 2 }]);
      assert.deepEqual(sent, ["begin", sent[1], "commit"]);
      assert.match(
        sent[1] as string,
        /^with "portico_batch_0" as \(insert into items .*\) select "id" from "others"/,
      );
      const items = await sql<{ id: number }>`select id from items order by id`.execute(database.db);
      assert.deepEqual(
        items.rows.map((r) => r.id),
        [1, 2, 3],
      );
    });
  });

  test("the writes still waiting at the commit go with it, in one query, every value as it was", async () => {
    await withScratch(async (database, sent) => {
      const labels = ["it's", "back\\slash \\' and ''", "$1 and $2", "Grüße 👋", "  ", "E'x'"];
      await database.db.transaction().execute(async (tx) => {
        for (const [i, label] of labels.entries()) await add(database, tx, i + 1, label);
      });
      assert.equal(sent.length, 2, sent.join("\n"));
      assert.equal(sent[0], "begin");
      assert.match(sent[1] as string, /;\ncommit$/);
      const items = await sql<{ id: number; label: string }>`select id, label from items order by id`.execute(
        database.db,
      );
      assert.deepEqual(
        items.rows.map((r) => r.label),
        labels,
      );
    });
  });

  test("a read of a table written is sent after the writes, and sees them", async () => {
    await withScratch(async (database, sent) => {
      const seen = await database.db.transaction().execute(async (tx) => {
        await add(database, tx, 1);
        await add(database, tx, 2);
        return sql<{ n: number }>`select count(*)::int as n from items`.execute(tx);
      });
      assert.equal(seen.rows[0]?.n, 2);
      assert.equal(sent.length, 4, sent.join("\n"));
      assert.match(sent[1] as string, /^with "portico_batch_0" as \(insert into items/);
    });
  });

  test("a batched write that fails fails the commit, and nothing of the transaction is kept", async () => {
    await withScratch(async (database) => {
      await sql`insert into items values (7, 'taken')`.execute(database.db);
      await assert.rejects(
        database.db.transaction().execute(async (tx) => {
          await sql`insert into others values (3)`.execute(tx);
          await add(database, tx, 8);
          await add(database, tx, 7);
        }),
        (err: { code?: string }) => err.code === "23505",
      );
      const items = await sql<{ id: number }>`select id from items order by id`.execute(database.db);
      assert.deepEqual(
        items.rows.map((r) => r.id),
        [7],
      );
      const others = await sql<{ id: number }>`select id from others where id = 3`.execute(database.db);
      assert.equal(others.rows.length, 0);
      // The connection is sound after: the next transaction commits.
      await database.db.transaction().execute((tx) => add(database, tx, 9));
    });
  });

  test("writes after a savepoint rolled back to are never sent; those before it are kept", async () => {
    await withScratch(async (database) => {
      const tx = await database.db.startTransaction().execute();
      await add(database, tx, 1);
      const sp = await tx.savepoint("sp").execute();
      await add(database, sp, 2);
      const back = await sp.rollbackToSavepoint("sp").execute();
      await add(database, back, 3);
      await back.commit().execute();
      const items = await sql<{ id: number }>`select id from items order by id`.execute(database.db);
      assert.deepEqual(
        items.rows.map((r) => r.id),
        [1, 3],
      );
    });
  });

  test("a failure caught inside the transaction fails its commit, rather than a silent rollback", async () => {
    await withScratch(async (database) => {
      await sql`insert into items values (7, 'taken')`.execute(database.db);
      await assert.rejects(
        database.db.transaction().execute(async (tx) => {
          await sql`insert into others values (3)`.execute(tx);
          await add(database, tx, 7);
          // The held write's error comes with the next statement, which the caller shrugs off.
          await sql`select id from others`.execute(tx).catch(() => undefined);
        }),
        /cannot commit/,
      );
      const others = await sql<{ id: number }>`select id from others where id = 3`.execute(database.db);
      assert.equal(others.rows.length, 0);
      // Rolled back to a savepoint, the transaction goes on and commits.
      const tx = await database.db.startTransaction().execute();
      const sp = await tx.savepoint("sp").execute();
      await sql`insert into items values (7, 'again')`.execute(sp).catch(() => undefined);
      const back = await sp.rollbackToSavepoint("sp").execute();
      await add(database, back, 8);
      await back.commit().execute();
      const items = await sql<{ id: number }>`select id from items order by id`.execute(database.db);
      assert.deepEqual(
        items.rows.map((r) => r.id),
        [7, 8],
      );
    });
  });

  test("a write that is not a plain insert runs in place, after the writes that wait", async () => {
    await withScratch(async (database, sent) => {
      await database.db.transaction().execute(async (tx) => {
        await add(database, tx, 1, "new");
        await executeBatched(
          database,
          tx,
          tx
            .updateTable("items" as never)
            .set({ label: "updated" } as never)
            .where("id" as never, "=", 1 as never),
        );
      });
      const items = await sql<{ label: string }>`select label from items`.execute(database.db);
      assert.deepEqual(items.rows, [{ label: "updated" }]);
      // The insert sent on its own before the update, which then sees its row.
      assert.deepEqual(sent.slice(0, 4), ["begin", sent[1], sent[2], "commit"], JSON.stringify(sent));
      assert.match(sent[1] as string, /^insert into items/);
      assert.match(sent[2] as string, /^update "items"/);
      const UPDATE_ITEM = new PreparedWrite(
        ["id"],
        (_db, p) => sql`update items set label = 'x' where id = ${p.id}`,
        { batched: true },
      );
      await assert.rejects(
        database.db.transaction().execute((tx) => UPDATE_ITEM.execute(database, tx, { id: 1 })),
        /cannot be batched/,
      );
    });
  });

  test("outside a transaction a batched write runs at once", async () => {
    await withScratch(async (database) => {
      await INSERT_ITEM.execute(database, database.db, { id: 5, label: "alone" });
      const items = await sql<{ label: string }>`select label from items`.execute(database.db);
      assert.deepEqual(items.rows, [{ label: "alone" }]);
    });
  });

  test("a batched write whose transaction is rolled back is never sent", async () => {
    await withScratch(async (database, sent) => {
      await assert.rejects(
        database.db.transaction().execute(async (tx) => {
          await add(database, tx, 1);
          throw new Error("changed my mind");
        }),
        /changed my mind/,
      );
      assert.deepEqual(sent, ["begin", "rollback"]);
    });
  });
});
