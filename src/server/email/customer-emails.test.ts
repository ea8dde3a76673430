import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { simpleParser } from "mailparser";
import { systemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { deliverDueEmails } from "./delivery.ts";
import { renderedOf } from "./email.message.ts";
import { previewEmail } from "./email-settings.service.ts";
import { repliesCanArrive } from "./outbox.ts";

// Customer emails on the real path: the language chosen when queued (the contact's, else the
// page's, else the workspace's), the .eml FileTransport writes, the conversation a reply quotes,
// and Settings → Emails (status, wording, refusals, audit).

const delivery = systemActor("outbox delivery");
let t: TestEnv;
before(async () => {
  t = await testEnv({ PUBLIC_URL: "https://help.acme.test" });
});
after(async () => {
  await t.close();
});

async function emailTo(address: string, kind: string) {
  const row = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .selectAll()
    .where("to_address", "=", address)
    .where("kind", "=", kind as never)
    .orderBy("created_at", "desc")
    .executeTakeFirstOrThrow();
  return { row, ...renderedOf(row) };
}

describe("customer emails", () => {
  test("submitted in German: a German .eml, its time in the workspace's zone, named", async () => {
    const { ws } = await makeTeam(t);
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ time_zone: "Europe/Berlin" })
      .where("id", "=", ws.id)
      .execute();
    await deliverDueEmails(t.ctx, delivery);
    const dir = path.join(t.ctx.config.dataDir, "mail");
    const before = new Set(fs.readdirSync(dir));
    const s = await submitTicket(
      t,
      ws.slug,
      { email: "greta@kunde.test", name: "Greta", subject: "Drucker klemmt", description: "Papierstau." },
      { "accept-language": "de-DE,de;q=0.9,en;q=0.5" },
    );
    await deliverDueEmails(t.ctx, delivery);
    const fresh = fs.readdirSync(dir).filter((f) => f.endsWith(".eml") && !before.has(f));
    const parsed = await Promise.all(fresh.map((f) => simpleParser(fs.readFileSync(path.join(dir, f)))));
    const mail = parsed.find((m) => m.text?.includes("Hallo Greta"));
    assert.ok(mail, "the confirmation, in German");
    assert.equal(mail.subject, `[${s.reference}] Wir haben Ihre Anfrage erhalten: Drucker klemmt`);
    assert.match(mail.text ?? "", /Eingegangen am \d{1,2}\. \S+ 2\d{3}, \d\d:\d\d (MEZ|MESZ)\./);
    assert.match(mail.text ?? "", /Ihre Nachricht:\n {2}Papierstau\./);
    assert.match(String(mail.html), /<html lang="de">/);
    const agents = parsed.filter((m) => m.subject?.includes("New request from Greta"));
    assert.equal(agents.length, 2, "each agent's own email, in English");
  });

  test("the contact's own language wins over the page's; without either, the workspace's", async () => {
    const { ws } = await makeTeam(t);
    await submitTicket(t, ws.slug, { email: "lea@client.test", name: "Léa", subject: "Un" });
    await t.ctx.database.db
      .updateTable("contacts")
      .set({ locale: "fr" })
      .where("email_normalized", "=", "lea@client.test")
      .execute();
    await submitTicket(
      t,
      ws.slug,
      { email: "lea@client.test", subject: "Deux" },
      { "accept-language": "de" },
    );
    assert.match((await emailTo("lea@client.test", "ticket_confirmation")).subject, /Nous avons bien reçu/);

    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ default_locale: "de" })
      .where("id", "=", ws.id)
      .execute();
    await submitTicket(t, ws.slug, { email: "noone@client.test", subject: "Drei" });
    assert.match(
      (await emailTo("noone@client.test", "ticket_confirmation")).subject,
      /Wir haben Ihre Anfrage/,
    );
  });

  test("a request written in German is answered in German weeks later; agents see its language", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(
      t,
      ws.slug,
      { email: "jonas@kunde.test", name: "Jonas", subject: "Rechnung falsch" },
      { "accept-language": "de-AT, de;q=0.9" },
    );
    const reply = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "Wir haben die Rechnung korrigiert." },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const m = await emailTo("jonas@kunde.test", "agent_reply");
    assert.match(m.html, /<html lang="de">/, "the agent's reply speaks the request's language");
    const detail = await t.app.inject({
      method: "GET",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
    });
    assert.equal(detail.json().language, "de");
    const page = await t.app.inject({
      method: "GET",
      url: `/app/tickets/${s.reference}`,
      headers: agent.headers,
    });
    assert.match(page.body, /Language: German \(<span lang="de">Deutsch<\/span>\)/);

    // Written without a language of ours: unknown, and the workspace's default applies.
    const other = await submitTicket(
      t,
      ws.slug,
      { email: "x@client.test", subject: "Hola" },
      { "accept-language": "es" },
    );
    const none = await t.app.inject({
      method: "GET",
      url: `/api/workspace/tickets/${other.reference}`,
      headers: agent.headers,
    });
    assert.equal(none.json().language, null);
  });

  test("an agent's reply quotes the earlier public messages, never an internal note", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug, { email: "quote@customer.test", subject: "Invoice" });
    const post = async (kind: "replies" | "notes", body: string) => {
      const res = await t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/${kind}`,
        headers: agent.headers,
        payload: { body },
      });
      assert.equal(res.statusCode, 201, res.body);
    };
    await post("replies", "Which invoice do you mean?");
    await post("notes", "SECRET: they still owe us");
    await post("replies", "Found it and fixed it.");
    const m = await emailTo("quote@customer.test", "agent_reply");
    assert.match(m.text, /Sam Agent wrote:\n {2}Found it and fixed it\./);
    assert.match(m.text, /Sam Agent wrote on .+:\n {2}Which invoice do you mean\?/);
    assert.equal(m.text.split("Found it and fixed it.").length - 1, 1, "the reply itself once");
    assert.ok(!m.text.includes("SECRET") && !m.html.includes("SECRET"), "no internal note");
    assert.ok(!m.row.template_data?.includes("SECRET"), "not even in the stored inputs");
  });

  test("replies are invited only when they can arrive: an address and a way in", () => {
    const ws = { support_email: "help@acme.test", slug: "acme" } as Workspace;
    const ctx = (config: Record<string, unknown>) => ({ config }) as unknown as AppContext;
    assert.equal(repliesCanArrive(ctx({}), ws), false, "no listener, no IMAP");
    assert.equal(repliesCanArrive(ctx({ imapUrl: "imaps://u:p@imap.test" }), ws), true);
    assert.equal(repliesCanArrive(ctx({ inboundSmtpPort: 2525 }), ws), true);
    assert.equal(
      repliesCanArrive(ctx({ inboundSmtpPort: 2525 }), { support_email: null, slug: "acme" } as Workspace),
      false,
      "nowhere to reply to",
    );
  });
});

describe("Settings → Emails", () => {
  test("the preview links to the workspace's own address: its verified domain, else PUBLIC_URL's portal", async () => {
    const { ws } = await makeTeam(t);
    const row = () =>
      t.ctx.database.db
        .selectFrom("workspaces")
        .selectAll()
        .where("id", "=", ws.id)
        .executeTakeFirstOrThrow();
    const before = previewEmail(t.ctx, await row(), "ticket_confirmation", "en");
    assert.ok(
      before.html.includes(`href="https://help.acme.test/portal/${ws.slug}/track/sample"`),
      before.html,
    );
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ custom_domain: "support.kunde.test", custom_domain_verified_at: new Date().toISOString() })
      .where("id", "=", ws.id)
      .execute();
    for (const kind of ["ticket_confirmation", "open_requests", "customer_magic_link"] as const) {
      const m = previewEmail(t.ctx, await row(), kind, "de");
      assert.match(m.text, /https:\/\/support\.kunde\.test\//, kind);
      assert.doesNotMatch(`${m.text}${m.html}`, /help\.acme\.test|\/portal\//, kind);
    }
  });

  test("the API: status from the configuration, wording checked field by field, audited, admins only", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const got = await t.app.inject({
      url: "/api/workspace/settings/email-templates",
      headers: agent.headers,
    });
    assert.equal(got.statusCode, 200, got.body);
    const view = got.json();
    assert.equal(view.status.delivery, "file");
    assert.equal(view.status.repliesArrive, false);
    assert.deepEqual(view.templates.ticket_confirmation.de, { subject: null, intro: null });

    const put = (who: { headers: Record<string, string> }, payload: unknown) =>
      t.app.inject({
        method: "PUT",
        url: "/api/workspace/settings/email-templates",
        headers: who.headers,
        payload: payload as Record<string, unknown>,
      });
    const wrong = await put(admin, {
      customer_magic_link: { de: { subject: "Anmelden {{reference}}" } },
      ticket_confirmation: { xx: { subject: "x" } },
    });
    assert.equal(wrong.statusCode, 400);
    const fields = wrong.json().error.fields;
    assert.match(fields["customer_magic_link.de.subject"], /unknown placeholder \{\{reference\}\}/);
    assert.match(fields["ticket_confirmation.xx"], /not a language/);
    assert.equal((await put(agent, { agent_reply: { en: { subject: "Hi" } } })).statusCode, 403);

    const ok = await put(admin, {
      ticket_confirmation: { de: { subject: "{{ticket}} {{reference}} ist da", intro: "Danke, {{name}}!" } },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().templates.ticket_confirmation.de.subject, "{{ticket}} {{reference}} ist da");
    const audit = await t.ctx.database.db
      .selectFrom("audit_events")
      .select("summary")
      .where("workspace_id", "=", ws.id)
      .where("action", "=", "settings.email_templates")
      .executeTakeFirst();
    assert.match(audit?.summary ?? "", /ticket_confirmation\.de\.subject/);

    const s = await submitTicket(
      t,
      ws.slug,
      { email: "wd@kunde.test", name: "Wanda" },
      { "accept-language": "de" },
    );
    const m = await emailTo("wd@kunde.test", "ticket_confirmation");
    assert.equal(m.subject, `Anfrage ${s.reference} ist da`);
    assert.match(m.text, /Danke, Wanda!/);

    const reset = await put(admin, { ticket_confirmation: { de: { subject: null, intro: "" } } });
    assert.deepEqual(reset.json().templates.ticket_confirmation.de, { subject: null, intro: null });
  });

  test("the page: status, the editor per language with its preview, errors on the field, reset", async () => {
    const { admin, agent } = await makeTeam(t);
    const url = "/app/settings/emails?kind=ticket_resolved&lang=fr";
    const page = await t.app.inject({ url, headers: { cookie: admin.cookie } });
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /Not delivered/);
    assert.match(page.body, /Cannot arrive/);
    assert.match(page.body, /Votre demande TKT-0042 est résolue/);
    assert.match(
      page.body,
      /<iframe class="mail-preview" src="\/app\/settings\/emails\/preview\?kind=ticket_resolved&amp;lang=fr"[^>]* sandbox>/,
    );
    const preview = await t.app.inject({
      url: "/app/settings/emails/preview?kind=ticket_resolved&lang=fr",
      headers: { cookie: admin.cookie },
    });
    assert.equal(preview.statusCode, 200);
    assert.match(preview.body, /Nous avons résolu votre demande/);

    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const post = (body: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url,
        headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: csrf, ...body }).toString(),
      });
    const bad = await post({ action: "save", subject: "Fini {{agent}}", intro: "" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="subject"[^>]*aria-invalid="true"/);
    assert.match(bad.body, /unknown placeholder \{\{agent\}\}/);
    assert.match(bad.body, /value="Fini \{\{agent\}\}"/, "what was typed stays");
    const good = await post({ action: "save", subject: "C’est réglé : {{subject}}", intro: "" });
    assert.equal(good.statusCode, 303, good.body);
    const after = await t.app.inject({ url, headers: { cookie: admin.cookie } });
    assert.match(after.body, /C’est réglé : Printer on the 2nd floor jams/);
    assert.equal((await post({ action: "reset" })).statusCode, 303);
    const back = await t.app.inject({ url, headers: { cookie: admin.cookie } });
    assert.match(back.body, /\[TKT-0042\] Résolu : Printer on the 2nd floor jams/);

    const agentPage = await t.app.inject({ url, headers: { cookie: agent.cookie } });
    assert.match(agentPage.body, /Only admins change the wording/);
    assert.match(agentPage.body, /id="subject"[^>]* disabled/);
  });
});
