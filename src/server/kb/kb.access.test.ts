import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type Actor,
  type AgentActor,
  type CustomerActor,
  systemActorIn,
  type TokenHolderActor,
  visitorOf,
} from "../actors.ts";
import { makeAgent, makeWorkspace } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { articlesVisibleTo, categoriesVisibleTo } from "./kb.access.ts";
import { createArticle } from "./kb.articles.ts";
import { createCategory } from "./kb.categories.ts";
import { portalArticle, portalHome, portalKbOf, searchPortal } from "./kb.portal.ts";
import { searchArticles } from "./kb.search.ts";

// Who sees which article, by the kind of actor (kb.access.ts): a signed-in customer reads the
// articles for signed-in customers ("workspace") that a visitor does not, and neither ever
// reads a draft or an internal article.

let t: TestEnv;
let ws: { id: string; slug: string };
let admin: AgentActor;
let ids: Record<string, string> = {};
let slugs: Record<string, string> = {};

const customerOf = (workspaceId: string): CustomerActor => ({
  kind: "customer",
  workspaceId,
  contactId: "contact-of-the-test",
  companyId: null,
  scope: "own",
});

const visibleIds = async (actor: Actor) =>
  (await articlesVisibleTo(t.ctx.database.db, actor).select("a.id").execute()).map((r) => r.id).sort();
const named = (...keys: string[]) => keys.map((k) => ids[k] as string).sort();

before(async () => {
  t = await testEnv();
  ws = await makeWorkspace(t);
  const row = await makeAgent(t, ws.id, { role: "admin" });
  admin = { kind: "agent", workspaceId: ws.id, agentId: row.id, role: "admin" };
  const hidden = await createCategory(t.ctx, admin, { name: "Staff corner", showOnPortal: false });
  const otherWs = await makeWorkspace(t);
  const otherRow = await makeAgent(t, otherWs.id, { role: "admin" });
  const otherAdmin: AgentActor = {
    kind: "agent",
    workspaceId: otherWs.id,
    agentId: otherRow.id,
    role: "admin",
  };
  const published = { status: "published" as const, body: "Widget text." };
  const made = {
    public: await createArticle(t.ctx, admin, { title: "Widget basics", ...published }),
    workspace: await createArticle(t.ctx, admin, {
      title: "Widget for members",
      visibility: "workspace",
      ...published,
    }),
    draftPublic: await createArticle(t.ctx, admin, { title: "Widget draft", body: "Widget text." }),
    draftWorkspace: await createArticle(t.ctx, admin, {
      title: "Widget members draft",
      visibility: "workspace",
      body: "Widget text.",
    }),
    internal: await createArticle(t.ctx, admin, {
      title: "Widget runbook",
      visibility: "internal",
      ...published,
    }),
    workspaceHidden: await createArticle(t.ctx, admin, {
      title: "Widget members hidden",
      visibility: "workspace",
      categoryId: hidden.id,
      ...published,
    }),
    elsewhere: await createArticle(t.ctx, otherAdmin, {
      title: "Widget elsewhere",
      visibility: "workspace",
      ...published,
    }),
  };
  ids = Object.fromEntries(Object.entries(made).map(([k, a]) => [k, a.id]));
  slugs = Object.fromEntries(Object.entries(made).map(([k, a]) => [k, a.slug]));
});
after(() => t.close());

describe("knowledge-base access by the kind of actor", () => {
  it("a visitor and a token holder see published public articles only", async () => {
    const tokenHolder: TokenHolderActor = {
      kind: "token_holder",
      workspaceId: ws.id,
      ticketId: "ticket-of-the-test",
      contactId: "contact-of-the-test",
      emailNormalized: "casey@customer.test",
    };
    assert.deepEqual(await visibleIds(visitorOf(ws.id)), named("public"));
    assert.deepEqual(await visibleIds(tokenHolder), named("public"));
  });

  it("a signed-in customer also sees the articles for signed-in customers, never drafts or internal ones", async () => {
    const seen = await visibleIds(customerOf(ws.id));
    assert.deepEqual(seen, named("public", "workspace"));
    for (const key of ["draftPublic", "draftWorkspace", "internal", "workspaceHidden", "elsewhere"]) {
      assert.ok(!seen.includes(ids[key] as string), key);
    }
    // The same through the ids of a search result.
    const among = await articlesVisibleTo(t.ctx.database.db, customerOf(ws.id), { ids: Object.values(ids) })
      .select("a.id")
      .execute();
    assert.deepEqual(among.map((r) => r.id).sort(), named("public", "workspace"));
  });

  it("the portal's pages and search follow the actor", async () => {
    const asVisitor = await portalKbOf(t.ctx, ws);
    const asCustomer = await portalKbOf(t.ctx, ws, customerOf(ws.id));
    assert.equal((await portalArticle(t.ctx, asCustomer, slugs.workspace as string)).id, ids.workspace);
    await assert.rejects(portalArticle(t.ctx, asVisitor, slugs.workspace as string), { status: 404 });
    for (const key of ["draftPublic", "draftWorkspace", "internal", "workspaceHidden"]) {
      await assert.rejects(portalArticle(t.ctx, asCustomer, slugs[key] as string), { status: 404 }, key);
    }
    const found = async (kb: typeof asVisitor) =>
      (await searchPortal(t.ctx, ws.slug, kb, "widget")).map((h) => h.id).sort();
    assert.deepEqual(await found(asCustomer), named("public", "workspace"));
    assert.deepEqual(await found(asVisitor), named("public"));
    const home = JSON.stringify(await portalHome(t.ctx, asCustomer));
    assert.ok(home.includes("Widget for members"));
    assert.ok(!home.includes("Staff corner"));
    assert.ok(!JSON.stringify(await portalHome(t.ctx, asVisitor)).includes("Widget for members"));
  });

  it("a customer of another workspace reads nothing of this one", async () => {
    const stranger = customerOf("another-workspace");
    assert.deepEqual(await visibleIds(stranger), []);
    await assert.rejects(portalKbOf(t.ctx, ws, stranger), { status: 404 });
  });

  it("agents and the workspace's system see every article of the workspace, categories too", async () => {
    const all = named("public", "workspace", "draftPublic", "draftWorkspace", "internal", "workspaceHidden");
    assert.deepEqual(await visibleIds(admin), all);
    assert.deepEqual(await visibleIds(systemActorIn("test", ws.id)), all);
    const hits = await searchArticles(t.ctx, admin, "widget", { limit: 20, language: "english" });
    assert.deepEqual(hits.map((h) => h.id).sort(), all);
    const categories = async (actor: Actor) =>
      (await categoriesVisibleTo(t.ctx.database.db, actor).select("c.name").execute()).map((c) => c.name);
    assert.deepEqual(await categories(admin), ["Staff corner"]);
    assert.deepEqual(await categories(customerOf(ws.id)), []);
    assert.deepEqual(await categories(visitorOf(ws.id)), []);
  });
});
