import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { systemActor } from "../actors.ts";
import { companiesVisibleTo, companyDomainsVisibleTo } from "../companies/company.access.ts";
import { newId } from "../ids.ts";
import { makeCustomer, makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { contactsVisibleTo } from "./contact.access.ts";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "./import.csv.ts";
import type { ImportView } from "./import.schemas.ts";

// Importing contacts and companies from CSV through the API, on the real database: header
// variants, per-row errors, the preview's counts, the import itself, running it again, a failure
// halfway (nothing imported), workspaces apart, and admins only.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const API = "/api/workspace/imports";
const system = systemActor("test");

const upload = (team: Team, csv: string, headers = team.admin.headers) =>
  t.app.inject({ method: "POST", url: API, headers, payload: { fileName: "export.csv", csv } });

async function preview(team: Team, csv: string): Promise<ImportView> {
  const res = await upload(team, csv);
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function commit(team: Team, id: string, body?: object) {
  return t.app.inject({
    method: "POST",
    url: `${API}/${id}/commit`,
    headers: team.admin.headers,
    payload: body ?? {},
  });
}

async function importFile(team: Team, csv: string): Promise<ImportView> {
  const p = await preview(team, csv);
  const res = await commit(team, p.id);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

const contactsOf = (workspaceId: string) =>
  contactsVisibleTo(t.ctx.database.db, { ...system, workspaceId })
    .select(["email", "email_normalized", "name", "phone", "company_id", "updated_at"])
    .orderBy("email_normalized")
    .execute();
const companiesOf = (workspaceId: string) =>
  companiesVisibleTo(t.ctx.database.db, { ...system, workspaceId })
    .select(["id", "name"])
    .orderBy("name")
    .execute();
const domainsOf = (workspaceId: string) =>
  companyDomainsVisibleTo(t.ctx.database.db, { ...system, workspaceId })
    .select(["domain", "company_id", "auto_join"])
    .orderBy("domain")
    .execute();

const ZENDESK = `Name,Email,Organization,Domain Names,Phone,Tags
Ada Lovelace,ada@acme.test,Acme,acme.test,+44 20 1234,vip
Grace Hopper,GRACE@navy.test,US Navy,navy.test,,
Linus,linus@acme.test,acme,,555-0100,
`;

describe("contact import", () => {
  test("headers are recognised as Zendesk, Freshdesk and Help Scout spell them; other columns are ignored", async () => {
    const team = await makeTeam(t);
    const z = await preview(team, ZENDESK);
    assert.deepEqual(
      z.columns.map((c) => c.field),
      ["name", "email", "company", "domain", "phone", null],
    );
    const fresh = await preview(
      team,
      "Contact Name;E-mail Address;Company Name;Company Domain;Work Phone;Mobile Phone\nBo;bo@x.test;X Ltd;x.test;1;2\n",
    );
    assert.deepEqual(
      fresh.columns.map((c) => c.field),
      ["name", "email", "company", "domain", "phone", null],
    );
    assert.deepEqual(fresh.preview[0], {
      row: 2,
      name: "Bo",
      email: "bo@x.test",
      company: "X Ltd",
      domains: ["x.test"],
      phone: "1",
      action: "create",
    });
    const helpScout = await preview(
      team,
      "\uFEFFFirst Name\tLast Name\tEMAILS\tORGANIZATION\nJo\tSmith\tjo@y.test\tY\n",
    );
    assert.equal(helpScout.preview[0]?.name, "Jo Smith");
    assert.equal(helpScout.preview[0]?.company, "Y");

    const noEmail = await upload(team, "Name,Company\nAda,Acme\n");
    assert.equal(noEmail.statusCode, 400);
    assert.equal(noEmail.json().error.code, "missing_email_column");
    const empty = await upload(team, "Email\n");
    assert.equal(empty.json().error.code, "empty_file");
    const broken = await upload(team, 'Email,Name\n"a@b.test,Ada\n');
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json().error.code, "invalid_csv");
    const tooLarge = await upload(team, `Email\n${"a".repeat(MAX_IMPORT_BYTES)}\n`);
    assert.equal(tooLarge.statusCode, 413);
    assert.equal(tooLarge.json().error.code, "file_too_large");
    const tooMany = await upload(team, `Email\n${"a@b.test\n".repeat(MAX_IMPORT_ROWS + 1)}`);
    assert.equal(tooMany.statusCode, 413);
    assert.equal(tooMany.json().error.code, "too_many_rows");
  });

  test("each row's problems are listed with its number and field; the preview counts what would happen", async () => {
    const team = await makeTeam(t);
    await importFile(team, "email,name,phone\nknown@acme.test,Known,1\nsame@acme.test,Same,\n");
    const p = await preview(
      team,
      [
        "Email,Name,Company,Domain,Phone",
        "known@acme.test,Known Renamed,Acme,acme.test,", // update
        "same@acme.test,,,,", // unchanged: empty cells change nothing
        "new@acme.test,New,acme,,", // create, same new company
        "not-an-email,X,,,",
        "NEW@acme.test,Dup,,,",
        `long@acme.test,${"x".repeat(121)},,,`,
        ",Nobody,,,",
        "dom@acme.test,D,,acme.test,",
        "bad@acme.test,B,Other,not_a_domain,",
        "grab@acme.test,G,Other,acme.test,",
      ].join("\n"),
    );
    assert.equal(p.status, "previewed");
    assert.deepEqual(p.errors, [
      { row: 5, field: "email", message: "“not-an-email” is not an email address" },
      { row: 6, field: "email", message: "appears already in row 4" },
      { row: 7, field: "name", message: "is longer than 120 characters" },
      { row: 8, field: "email", message: "is empty" },
      { row: 9, field: "domain", message: "needs a company in the same row" },
      { row: 10, field: "domain", message: "“not_a_domain” is not a domain name" },
      { row: 11, field: "domain", message: "“acme.test” is given to another company in this file" },
    ]);
    assert.deepEqual(p.counts, {
      totalRows: 10,
      errorRows: 7,
      newContacts: 1,
      updatedContacts: 1,
      unchangedContacts: 1,
      newCompanies: 1,
      newDomains: 1,
      skippedRows: 0,
    });
    assert.deepEqual(
      p.preview.map((r) => [r.row, r.action]),
      [
        [2, "update"],
        [3, "unchanged"],
        [4, "create"],
      ],
    );

    // A file with errors is refused whole by default; nothing changed.
    const refused = await commit(team, p.id);
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, "import_has_errors");
    assert.equal((await contactsOf(team.ws.id)).length, 2);

    // Chosen explicitly, the valid rows are imported and the others skipped.
    const done = await commit(team, p.id, { skipInvalidRows: true });
    assert.equal(done.statusCode, 200, done.body);
    const view: ImportView = done.json();
    assert.equal(view.status, "done");
    assert.equal(view.counts.skippedRows, 7);
    assert.equal(view.processedRows, 3);
    assert.deepEqual(
      (await contactsOf(team.ws.id)).map((c) => [c.email_normalized, c.name, c.phone]),
      [
        ["known@acme.test", "Known Renamed", "1"],
        ["new@acme.test", "New", null],
        ["same@acme.test", "Same", null],
      ],
    );
    const again = await commit(team, p.id, { skipInvalidRows: true });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, "import_not_pending");
  });

  test("the import creates companies, their domains and contacts; running the same file again adds nothing", async () => {
    const team = await makeTeam(t);
    const first = await importFile(team, ZENDESK);
    assert.equal(first.status, "done");
    assert.deepEqual(
      { ...first.counts },
      {
        totalRows: 3,
        errorRows: 0,
        newContacts: 3,
        updatedContacts: 0,
        unchangedContacts: 0,
        newCompanies: 2,
        newDomains: 2,
        skippedRows: 0,
      },
    );
    const companies = await companiesOf(team.ws.id);
    assert.deepEqual(
      companies.map((c) => c.name),
      ["Acme", "US Navy"],
    );
    const acme = companies[0]?.id;
    const navy = companies[1]?.id;
    const contacts = await contactsOf(team.ws.id);
    assert.deepEqual(
      contacts.map((c) => [c.email, c.name, c.phone, c.company_id]),
      [
        ["ada@acme.test", "Ada Lovelace", "+44 20 1234", acme],
        ["GRACE@navy.test", "Grace Hopper", null, navy],
        ["linus@acme.test", "Linus", "555-0100", acme],
      ],
    );
    assert.deepEqual(
      (await domainsOf(team.ws.id)).map((d) => [d.domain, d.company_id, Boolean(d.auto_join)]),
      [
        ["acme.test", acme, false],
        ["navy.test", navy, false],
      ],
    );
    // The file's data is not kept once imported.
    assert.deepEqual(first.preview, []);

    const second = await importFile(team, ZENDESK);
    assert.equal(second.status, "done");
    assert.deepEqual(
      { ...second.counts },
      {
        totalRows: 3,
        errorRows: 0,
        newContacts: 0,
        updatedContacts: 0,
        unchangedContacts: 3,
        newCompanies: 0,
        newDomains: 0,
        skippedRows: 0,
      },
    );
    assert.deepEqual(await contactsOf(team.ws.id), contacts, "nothing changed, not even updated_at");
    assert.deepEqual(await companiesOf(team.ws.id), companies);
    assert.equal((await domainsOf(team.ws.id)).length, 2);
  });

  test("a failure halfway through the file leaves nothing imported, and the import says so", async () => {
    const team = await makeTeam(t);
    await importFile(team, "email,name\nexisting@acme.test,Old Name\n");
    const before = await contactsOf(team.ws.id);
    // The database itself refuses one row near the end of the file (a trigger, as a constraint
    // added by someone else would), after earlier rows were written in the same transaction.
    const pg = t.ctx.database.dialect === "postgres";
    const trigger = `refuse_${newId().replace(/-/g, "").slice(-12)}`;
    if (pg) {
      await sql
        .raw(
          `create function ${trigger}() returns trigger language plpgsql as $$ begin if new.email_normalized = 'boom@acme.test' then raise exception 'refused'; end if; return new; end $$;
           create trigger ${trigger} before insert on contacts for each row execute function ${trigger}();`,
        )
        .execute(t.ctx.database.db);
    } else {
      await sql
        .raw(
          `create trigger ${trigger} before insert on contacts when new.email_normalized = 'boom@acme.test' begin select raise(abort, 'refused'); end`,
        )
        .execute(t.ctx.database.db);
    }
    try {
      const rows = Array.from(
        { length: 1200 },
        (_, i) => `person${i}@acme.test,Person ${i},Fresh Co,fresh.test`,
      );
      const csv = [
        "email,name,company,domain",
        "existing@acme.test,New Name,,",
        ...rows,
        "boom@acme.test,Boom,,",
      ].join("\n");
      const p = await preview(team, csv);
      const res = await commit(team, p.id);
      assert.equal(res.statusCode, 200, res.body);
      const view: ImportView = res.json();
      assert.equal(view.status, "failed");
      assert.match(view.failure ?? "", /stopped while importing rows 1002–1203 and nothing was imported/);
      assert.equal(view.processedRows, 0);
      assert.deepEqual(await contactsOf(team.ws.id), before, "no contact added, none renamed");
      assert.deepEqual(await companiesOf(team.ws.id), []);
      assert.deepEqual(await domainsOf(team.ws.id), []);
      const again = await t.app.inject({ url: `${API}/${p.id}`, headers: team.admin.headers });
      assert.equal(again.json().status, "failed");
    } finally {
      await sql
        .raw(
          pg ? `drop trigger ${trigger} on contacts; drop function ${trigger}();` : `drop trigger ${trigger}`,
        )
        .execute(t.ctx.database.db);
    }
  });

  test("an import into one workspace never touches another's contact with the same email", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    await importFile(b, "email,name,phone,company\nshared@both.test,B's Name,111,B Co\n");
    const bBefore = await contactsOf(b.ws.id);
    const bCompanies = await companiesOf(b.ws.id);

    const p = await preview(a, "email,name,phone,company\nshared@both.test,A's Name,222,B Co\n");
    assert.equal(p.counts.newContacts, 1, "B's contact is not A's");
    assert.equal(p.counts.newCompanies, 1, "B's company is not A's");
    await commit(a, p.id);
    assert.deepEqual(await contactsOf(b.ws.id), bBefore);
    assert.deepEqual(await companiesOf(b.ws.id), bCompanies);
    const inA = await contactsOf(a.ws.id);
    assert.deepEqual(
      inA.map((c) => [c.name, c.phone]),
      [["A's Name", "222"]],
    );

    // Nor can B's admin read or commit A's import.
    const peek = await t.app.inject({ url: `${API}/${p.id}`, headers: b.admin.headers });
    assert.equal(peek.statusCode, 404);
    const p2 = await preview(a, "email\nother@both.test\n");
    const steal = await commit(b, p2.id);
    assert.equal(steal.statusCode, 404);
  });

  test("agents who are not admins are refused (403 forbidden) at every step", async () => {
    const team = await makeTeam(t);
    const res = await upload(team, ZENDESK, team.agent.headers);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, "forbidden");
    const p = await preview(team, ZENDESK);
    const c = await t.app.inject({
      method: "POST",
      url: `${API}/${p.id}/commit`,
      headers: team.agent.headers,
      payload: {},
    });
    assert.equal(c.statusCode, 403);
    const g = await t.app.inject({ url: `${API}/${p.id}`, headers: team.agent.headers });
    assert.equal(g.statusCode, 403);
    assert.equal((await contactsOf(team.ws.id)).length, 0);
    const page = await t.app.inject({ url: "/app/contacts/import", headers: { cookie: team.agent.cookie } });
    assert.equal(page.statusCode, 403);
  });

  test("a company manager moved to another company by the file keeps their own requests only", async () => {
    const team = await makeTeam(t);
    const manager = await makeCustomer(t, team.ws.id, {
      access: "company",
      company: "Old Co",
      email: "boss@old.test",
    });
    const stays = await makeCustomer(t, team.ws.id, {
      access: "company",
      company: "Same Co",
      email: "lead@same.test",
    });
    const done = await importFile(team, "email,company\nboss@old.test,New Co\nlead@same.test,same co\n");
    assert.equal(done.counts.updatedContacts, 1);
    const access = await contactsVisibleTo(t.ctx.database.db, { ...system, workspaceId: team.ws.id })
      .select(["id", "portal_access"])
      .orderBy("email_normalized")
      .execute();
    assert.deepEqual(
      access.map((c) => [c.id, c.portal_access]),
      [
        [manager.contactId, "own"],
        [stays.contactId, "company"],
      ],
    );
  });
});
