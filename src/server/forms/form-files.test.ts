import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { taskFormAnswers } from "../http/workspace/forms.views.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import type { PortalCustomer } from "../test/portal-world.ts";
import { CANARY, formTaskWorld, portalApi } from "./forms.test-support.ts";

// A task form's file field answered with a company document: uploaded on the fill page without
// JavaScript (the whole form posted as multipart), kept in the shared draft, required on submit,
// linked on the copy; through the API by { documentId }, never another company's document.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const EXE = Buffer.from("MZ\x90\x00\x03\x00\x00\x00rest of a program");
const BOUNDARY = "----portico-form-files-boundary-Q3x9";

const FIELDS = [
  { key: "company_name", label: "Legal name", type: "short_text", required: true, property: "legal name" },
  { key: "contract", label: "Signed contract", type: "file", required: true, property: "contract" },
  { key: "notes", label: "Notes", type: "long_text", required: false },
  { key: "logo", label: "Logo", type: "file", required: false },
  {
    key: "channels",
    label: "Channels",
    type: "multiple_choice",
    required: false,
    options: ["Email", "Chat"],
  },
];

type Part = [string, string] | [string, { name: string; body: Buffer }];

/** The form as a browser posts it: parts in the page's order, empty file inputs included. */
function multipart(parts: Part[]) {
  const out: Buffer[] = [];
  for (const [k, v] of parts) {
    if (typeof v === "string") {
      out.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    } else {
      out.push(
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"; filename="${v.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        v.body,
        Buffer.from("\r\n"),
      );
    }
  }
  out.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(out);
}

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const upload = (c: PortalCustomer, url: string, parts: Part[]) =>
  t.app.inject({
    method: "POST",
    url: `${url}/files`,
    headers: { cookie: c.cookie, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    payload: multipart([["_csrf", c.csrf], ...parts]),
  });

const post = (c: PortalCustomer, url: string, fields: Record<string, string>) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: c.csrf, ...fields }).toString(),
  });

const api = (...a: Parameters<typeof portalApi> extends [TestEnv, ...infer R] ? R : never) =>
  portalApi(t, ...a);

const world = () => formTaskWorld(t, "Paperwork", FIELDS);

type Doc = { id: string; title: string; folder: string; source: string; version: number };

/** The company's documents as its agents list them. */
const companyDocuments = async (w: Awaited<ReturnType<typeof world>>): Promise<Doc[]> =>
  (
    await t.app.inject({
      url: `/api/workspace/companies/${w.acme}/documents`,
      headers: { cookie: w.admin.cookie },
    })
  ).json().documents;

describe("a task form's file field", () => {
  test("uploaded on the fill page without JavaScript, resumed by a colleague, submitted, linked on the copy", async () => {
    const w = await world();
    const page = await w.otto.get(w.url);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label for="q_contract"><bdi>Signed contract<\/bdi><\/label>/);
    assert.match(page.body, /name="f_contract" type="file"/);
    assert.match(page.body, /formaction="[^"]+\/form\/files" formenctype="multipart\/form-data"/);
    assert.equal(page.body.includes(CANARY), false);

    // The page's order: typed answers before and after the file input, the other file input empty.
    const up = await upload(w.otto, w.url, [
      ["q_company_name", "Acme Corp"],
      ["f_contract", { name: "contract.pdf", body: PDF }],
      ["q_notes", "Signed by our CEO"],
      ["f_logo", { name: "", body: Buffer.alloc(0) }],
      ["q_channels", "Email"],
      ["q_channels", "Chat"],
    ]);
    assert.equal(up.statusCode, 303, up.body);
    assert.equal(up.headers.location, `${w.url}?done=uploaded#q_contract`);

    const docs = await companyDocuments(w);
    assert.equal(docs.length, 1);
    assert.equal(docs[0]?.title, "Signed contract");
    assert.equal(docs[0]?.folder, "Onboarding");
    assert.equal(docs[0]?.source, "customer");
    const docId = docs[0]?.id as string;

    // Another contact of the company continues the same draft on their device.
    const resumed = await w.cleo.get(w.url);
    assert.match(
      resumed.body,
      /Attached: <a href="[^"]+\/documents\/[^"]+\/download"><bdi>Signed contract<\/bdi><\/a>/,
    );
    assert.match(resumed.body, new RegExp(`<input type="hidden" name="q_contract" value="${docId}">`));
    assert.match(resumed.body, /value="Acme Corp"/);
    assert.match(resumed.body, /Signed by our CEO/);
    const draft = (await api(w.cleo, w.ws.slug, "GET", `/tasks/${w.taskId}/form`)).json();
    assert.deepEqual(draft.answers.contract, { documentId: docId, name: "Signed contract" });
    assert.deepEqual(draft.answers.channels, ["Email", "Chat"], "every answer after the file is kept");

    // A replacement is a new version of the same document.
    const again = await upload(w.cleo, w.url, [
      ["q_company_name", "Acme Corp"],
      ["q_contract", docId],
      ["f_contract", { name: "contract-v2.pdf", body: PDF }],
    ]);
    assert.equal(again.statusCode, 303, again.body);
    const after2 = await companyDocuments(w);
    assert.equal(after2.length, 1);
    assert.equal(after2[0]?.version, 2);

    // The page's own Submit (urlencoded) carries the document by its hidden input.
    const sent = await post(w.cleo, w.url, {
      action: "submit",
      q_company_name: "Acme Corp",
      q_contract: docId,
    });
    assert.equal(sent.statusCode, 303, sent.body);
    assert.equal(sent.headers.location, `${w.url}/copy`);
    const copy = await w.cleo.get(`${w.url}/copy`);
    assert.match(
      copy.body,
      new RegExp(`<a href="/portal/${w.ws.slug}/documents/${docId}/download"><bdi>Signed contract</bdi></a>`),
    );

    const task = await t.ctx.database.db
      .selectFrom("tasks")
      .select(["portal_status", "status"])
      .where("id", "=", w.taskId)
      .executeTakeFirstOrThrow();
    assert.equal(task.portal_status, "complete");
    assert.equal(task.status, "done");
    const company = await t.ctx.database.db
      .selectFrom("companies")
      .select("properties")
      .where("id", "=", w.acme)
      .executeTakeFirstOrThrow();
    assert.equal(JSON.parse(String(company.properties)).contract, "Signed contract");
    // The team's view of the answers links the company's documents page.
    const teamView = await t.app.inject({
      url: `/api/workspace/tasks/${w.taskId}/form`,
      headers: { cookie: w.admin.cookie },
    });
    assert.equal(teamView.statusCode, 200, teamView.body);
    assert.match(
      String(taskFormAnswers(teamView.json(), w.acme)),
      new RegExp(`<a href="/app/companies/${w.acme}/documents#doc-${docId}"><bdi>Signed contract</bdi></a>`),
    );
    // The document is the customer's too: listed on their documents page.
    const theirs = await w.otto.get(`/portal/${w.ws.slug}/documents`);
    assert.match(theirs.body, /Signed contract/);
  });

  test("a required file missing is the field's own error; a program named .pdf is refused by name", async () => {
    const w = await world();
    const missing = await post(w.otto, w.url, { action: "submit", q_company_name: "Acme Corp" });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /id="q_contract-error"[^>]*>.*Signed contract is required: attach the file/s);
    assert.match(missing.body, /href="#q_contract"/);

    const exe = await upload(w.otto, w.url, [
      ["q_company_name", "Acme Corp"],
      ["f_contract", { name: "contract.pdf", body: EXE }],
    ]);
    assert.equal(exe.statusCode, 415);
    assert.match(exe.body, /id="q_contract-error"/);
    assert.match(exe.body, /Signed contract was refused: “contract\.pdf”/);
    assert.match(exe.body, /value="Acme Corp"/, "what was typed is shown again");
    assert.equal((await companyDocuments(w)).length, 0);

    // The documents' own limit, named with the file.
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ document_max_bytes: 10 })
      .where("id", "=", w.ws.id)
      .execute();
    const big = await upload(w.otto, w.url, [["f_contract", { name: "big scan.pdf", body: PDF }]]);
    assert.equal(big.statusCode, 413);
    assert.match(big.body, /Signed contract was refused: “big scan\.pdf” is larger than/);
    assert.equal((await companyDocuments(w)).length, 0);

    const api400 = await api(w.otto, w.ws.slug, "POST", `/tasks/${w.taskId}/form`, {
      answers: { company_name: "Acme Corp" },
    });
    assert.equal(api400.statusCode, 400);
    assert.match(api400.json().error.fields.contract, /required/);
  });

  test("the API answers with { documentId }; another company's document is a field error, never shown", async () => {
    const w = await world();
    const mine = await t.app.inject({
      method: "POST",
      url: `/api/portal/${w.ws.slug}/documents?name=contract.pdf`,
      headers: { ...w.otto.headers, "content-type": "application/octet-stream" },
      payload: PDF,
    });
    assert.equal(mine.statusCode, 201, mine.body);
    const BETA_TITLE = "BETA-SECRET-CONTRACT-93";
    const theirs = await t.app.inject({
      method: "POST",
      url: `/api/portal/${w.ws.slug}/documents?name=beta.pdf&title=${BETA_TITLE}`,
      headers: { ...w.ben.headers, "content-type": "application/octet-stream" },
      payload: PDF,
    });
    assert.equal(theirs.statusCode, 201, theirs.body);
    const betaDoc = theirs.json().id as string;

    for (const method of ["PUT", "POST"] as const) {
      const res = await api(
        w.otto,
        w.ws.slug,
        method,
        `/tasks/${w.taskId}/form${method === "PUT" ? "/draft" : ""}`,
        { answers: { company_name: "Acme Corp", contract: { documentId: betaDoc } } },
      );
      assert.equal(res.statusCode, 400, `${method} ${res.body}`);
      assert.match(res.json().error.fields.contract, /your company's documents/);
      assert.equal(res.body.includes(BETA_TITLE), false);
    }
    // The page's hidden input is no more trusted than the API.
    const page = await post(w.otto, w.url, { action: "save", q_company_name: "Acme", q_contract: betaDoc });
    assert.equal(page.statusCode, 400);
    assert.equal(page.body.includes(BETA_TITLE), false);

    const ok = await api(w.otto, w.ws.slug, "POST", `/tasks/${w.taskId}/form`, {
      answers: { company_name: "Acme Corp", contract: { documentId: mine.json().id } },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().status, "submitted");
    assert.deepEqual(ok.json().answers.contract, { documentId: mine.json().id, name: mine.json().title });
    assert.equal(ok.body.includes(CANARY), false);

    // Another company's contact reaches neither the form nor its upload.
    const ben = await upload(w.ben, w.url, [["f_contract", { name: "x.pdf", body: PDF }]]);
    assert.equal(ben.statusCode, 404);
  });
});
