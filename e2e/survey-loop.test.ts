import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { simpleParser } from "mailparser";
import { systemActor } from "../src/server/actors.ts";
import { deliverDueEmails } from "../src/server/email/delivery.ts";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { checkPage, DESKTOP, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// The whole loop a low score starts, as people live it: the agent resolves the request at a desk,
// the customer's resolution email (an .eml file on the embedded default) carries "Rate your
// experience", the customer rates 2 stars on a phone, and the follow-up call lands on the
// agent's task list with the request, the score and the comment.

let s: Served;
serveForFile((served) => {
  s = served;
});

const delivery = systemActor("outbox delivery");

describe("a low CSAT leads to a follow-up", { skip: skipReason }, () => {
  test("resolve → the email's button → 2 stars on a phone → the agent's task", async () => {
    const team = await makeTeam(s.env);
    const sub = await submitTicket(s.env, team.ws.slug, {
      email: "rosa@customer.test",
      name: "Rosa Customer",
      subject: "Invoices show the wrong VAT",
    });
    const assigned = await s.env.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${sub.reference}`,
      headers: team.admin.headers,
      payload: { assigneeId: team.agent.id },
    });
    assert.equal(assigned.statusCode, 200, assigned.body);

    // The agent resolves it in the app.
    const desk = await newPage(s, { viewport: DESKTOP });
    const [name, value] = team.agent.cookie.split("=") as [string, string];
    await desk.context.addCookies([{ name, value, url: s.base }]);
    await desk.page.goto(`/app/tickets/${sub.reference}`);
    await desk.page.getByRole("heading", { name: "Invoices show the wrong VAT" }).waitFor();
    await desk.page.getByLabel("Resolution", { exact: true }).fill("Corrected the VAT rate on your account.");
    await desk.page.getByRole("button", { name: "Resolve ticket" }).click();
    await desk.page.locator("#ticket-badges").getByText("Resolved").waitFor();

    // The resolution email, as delivered.
    await deliverDueEmails(s.env.ctx, delivery);
    const dir = path.join(s.env.ctx.config.dataDir, "mail");
    const emls = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
    const resolved = emls.find(
      (m) =>
        /^To: .*rosa@customer\.test/m.test(m.toString("latin1")) && /Resolved/.test(m.toString("latin1")),
    );
    assert.ok(resolved, "the resolution email was delivered");
    const mail = await simpleParser(resolved);
    assert.match(mail.html || "", /Rate your experience/);
    const rate = /https?:\/\/[^/\s]+(\/portal\/[^/\s"]+\/surveys\/[A-Za-z0-9_-]+)/.exec(mail.text ?? "")?.[1];
    assert.ok(rate, "the text part carries the rating link");
    assert.match(
      resolved.toString("latin1"),
      /^List-Unsubscribe:\s+<https?:\/\/[^>]+\/surveys\/unsubscribe\//m,
    );
    assert.match(resolved.toString("latin1"), /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);

    // The customer rates 2 stars on a phone, with the keyboard.
    const phone = await newPage(s, { viewport: PHONE });
    const p = phone.page;
    await p.goto(rate);
    await p.getByRole("heading", { name: "Rate your experience" }).waitFor();
    await checkPage(p, "survey-loop-rate-375");
    await p.getByRole("radio", { name: /^1 star/ }).focus();
    await p.keyboard.press("ArrowRight");
    assert.equal(await p.getByRole("radio", { name: /^2 stars/ }).isChecked(), true);
    await p.locator("#comment").fill("It took three emails to get this fixed.");
    await p.getByRole("button", { name: "Submit" }).click();
    await p.getByText(/your rating was recorded/i).waitFor();
    await checkPage(p, "survey-loop-thanks-375");

    // The agent's task list has the follow-up call, with the request, the score and the comment.
    await desk.page.goto("/app/tasks");
    const item = desk.page.locator(".task-item").filter({ hasText: "Follow-up call within 1 business day" });
    await item.waitFor();
    await item.getByRole("link", { name: sub.reference }).waitFor();
    const text = (await item.textContent()) ?? "";
    assert.match(text, /2/);
    assert.match(text, /It took three emails/);
    await checkPage(desk.page, "survey-loop-tasks-1280");

    // And the ticket's sidebar shows the rating.
    await desk.page.goto(`/app/tickets/${sub.reference}`);
    await desk.page.getByText("2 / 5").waitFor();
    await phone.context.close();
    await desk.context.close();
  });
});
