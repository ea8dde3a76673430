import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hashPassword } from "../src/server/auth/passwords.ts";
import { makeCustomer, makeTeam } from "../src/server/test/factories.ts";
import { checkPage, DESKTOP, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// The customer's work end to end in Chromium: an agent applies a template to a company; the
// customer signs in on a phone, sees what is due, completes the form (the task moves, the answers
// land on the company), uploads a document and downloads a deliverable; the agent sees it all.
// The customer's side runs in dark mode at 375 px; the home is checked in light mode too.

let s: Served;
serveForFile((served) => {
  s = served;
});

const PASSWORD = "copper lantern meadow tide";
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const IDP = "https://idp.initech.test/metadata";
const INTERNAL = "Waiting on the legal review of the SSO contract";

describe("the customer's work", { skip: skipReason }, () => {
  test("template applied, form completed on a phone, a document each way, the agent sees it all", async () => {
    const team = await makeTeam(s.env);
    const slug = team.ws.slug;
    const peter = await makeCustomer(s.env, team.ws.id, {
      company: "Initech",
      name: "Peter Gibbons",
      access: "company",
    });
    const companyId = peter.companyId as string;
    await s.env.ctx.database.db
      .updateTable("contacts")
      .set({ password_hash: await hashPassword(PASSWORD), email_verified_at: new Date().toISOString() })
      .where("id", "=", peter.contactId)
      .execute();

    const api = async (method: "POST" | "PATCH", url: string, payload: object | Buffer, type?: string) => {
      const res = await s.env.app.inject({
        method,
        url: `/api/workspace${url}`,
        headers: { ...team.admin.headers, ...(type ? { "content-type": type } : {}) },
        payload,
      });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json() as { id: string };
    };
    const form = await api("POST", "/forms", {
      name: "Single sign-on",
      fields: [
        {
          key: "idp_url",
          label: "IdP metadata URL",
          type: "short_text",
          required: true,
          property: "IdP metadata URL",
        },
        {
          key: "billing",
          label: "Billing contact",
          type: "email",
          required: true,
          property: "billing contact",
        },
        { key: "terms", label: "I accept the terms", type: "checkbox", required: true },
      ],
    });
    const template = await api("POST", "/onboarding/templates", { name: "Onboarding" });
    await api("POST", `/onboarding/templates/${template.id}/tasks`, {
      title: "Set up single sign-on",
      actor: "customer",
      formId: form.id,
      dueOffsetDays: 1,
    });
    await api("POST", `/onboarding/templates/${template.id}/tasks`, {
      title: "Kickoff call",
      actor: "team",
      dueOffsetDays: 3,
    });
    await api(
      "POST",
      `/companies/${companyId}/documents?name=welcome.pdf&title=Welcome%20pack&folder=Deliverables&publish=true`,
      PDF,
      "application/octet-stream",
    );

    // The agent applies the template, and notes something only the team may read.
    const agent = await newPage(s, { viewport: DESKTOP, dark: false });
    const [aName, aValue] = team.admin.cookie.split("=") as [string, string];
    await agent.context.addCookies([{ name: aName, value: aValue, url: s.base }]);
    const a = agent.page;
    await a.goto(`/app/companies/${companyId}/onboarding`);
    await a.getByRole("button", { name: "Apply" }).click();
    await a.waitForURL(/done=applied/);
    await a.getByText("Edit “Kickoff call”").click();
    await a.locator("#p0t1-status").selectOption("blocked");
    await a.locator("#p0t1-note").fill(INTERNAL);
    await a
      .locator("details", { hasText: "Edit “Kickoff call”" })
      .getByRole("button", { name: "Save task" })
      .click();
    await a.waitForURL(/done=saved/);
    await checkPage(a, "work-agent-plan-applied");

    // The customer signs in on a phone, in dark mode.
    const phone = await newPage(s, { viewport: PHONE, dark: true });
    const p = phone.page;
    await p.goto(`/portal/${slug}/sign-in`);
    await p.getByLabel("Email").fill(peter.email);
    await p.getByLabel("Password").fill(PASSWORD);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.waitForURL(`${s.base}/portal/${slug}/home`);
    const onboarding = p.locator("section[aria-labelledby=onboarding-title]");
    await onboarding.getByText("0 of 2 done").first().waitFor();
    const forms = p.locator("section[aria-labelledby=forms-title]");
    await forms.getByText("Single sign-on").first().waitFor();
    await p.locator("section[aria-labelledby=documents-title]").getByText("Welcome pack").waitFor();
    assert.ok(!(await p.content()).includes(INTERNAL), "the team's note never reaches the portal");
    await checkPage(p, "work-home-375-dark");

    // The form: an error beside its field first, then the answers.
    await forms.getByRole("link", { name: "Start Single sign-on" }).click();
    await p.getByLabel("IdP metadata URL").fill(IDP);
    await p.getByLabel("Billing contact").fill("not an email");
    await p.getByLabel("I accept the terms").check();
    await p.getByRole("button", { name: "Submit" }).click();
    await p.locator("#billing-error, [id$=billing-error]").first().waitFor();
    await checkPage(p, "work-form-error-375-dark");
    await p.getByLabel("Billing contact").fill("billing@initech.test");
    await p.getByRole("button", { name: "Submit" }).click();
    await p.getByText(IDP).first().waitFor();
    await checkPage(p, "work-form-copy-375-dark");

    await p.goto(`/portal/${slug}/home`);
    await onboarding.getByText("1 of 2 done").first().waitFor();
    assert.equal(await forms.getByText("Single sign-on").count(), 0, "the form is no longer due");

    // A document up, a deliverable down.
    await p.getByRole("link", { name: "Documents", exact: true }).first().click();
    await p.getByRole("heading", { name: "Documents", level: 1 }).waitFor();
    await p.getByLabel("Title").fill("Signed contract");
    await p
      .locator("#doc-file")
      .setInputFiles({ name: "contract.pdf", mimeType: "application/pdf", buffer: PDF });
    await p.getByRole("button", { name: "Upload", exact: true }).click();
    await p.getByText("Your document was uploaded.").waitFor();
    await checkPage(p, "work-documents-375-dark");
    const [download] = await Promise.all([
      p.waitForEvent("download"),
      p.getByRole("link", { name: "Welcome pack" }).first().click(),
    ]);
    assert.equal(download.suggestedFilename(), "welcome.pdf");

    // The home again, in light mode.
    const light = await newPage(s, { viewport: PHONE, dark: false });
    await light.context.addCookies(await phone.context.cookies());
    await light.page.goto(`/portal/${slug}/home`);
    await light.page
      .locator("section[aria-labelledby=activity-title]")
      .getByText("Signed contract")
      .waitFor();
    await checkPage(light.page, "work-home-375-light");
    await light.context.close();
    await phone.context.close();

    // The agent sees it all: the answers on the company, the task moved, the upload, the timeline.
    await a.goto(`/app/companies/${companyId}`);
    const properties = a.locator("#properties");
    await properties.getByText(IDP).first().waitFor();
    assert.match((await properties.textContent()) ?? "", /Peter Gibbons/);
    const work = (await a.locator("#work").textContent()) ?? "";
    for (const seen of ["sent the form", "Signed contract", "downloaded", "Welcome pack"]) {
      assert.ok(work.includes(seen), `the company's timeline shows "${seen}"`);
    }
    await checkPage(a, "work-agent-company");
    await a.goto(`/app/companies/${companyId}/onboarding`);
    const sso = a.locator("tr", { hasText: "Set up single sign-on" }).first();
    assert.match((await sso.textContent()) ?? "", /Done/);
    assert.match((await sso.textContent()) ?? "", /Complete/);
    await a.goto(`/app/companies/${companyId}/documents`);
    await a.getByText("Signed contract").first().waitFor();
    await checkPage(a, "work-agent-documents");
    await agent.context.close();
  });
});
