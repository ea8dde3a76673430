import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemActor } from "../../actors.ts";
import { contactsVisibleTo } from "../../contacts/contact.access.ts";
import { makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The import pages (/app/contacts/import), without JavaScript: the API's behaviour has its own
// tests in contacts/import.test.ts.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const ZENDESK = `Name,Email,Organization,Domain Names,Phone,Tags
Ada Lovelace,ada@acme.test,Acme,acme.test,+44 20 1234,vip
Grace Hopper,GRACE@navy.test,US Navy,navy.test,,
Linus,linus@acme.test,acme,,555-0100,
`;

const contactsOf = (workspaceId: string) =>
  contactsVisibleTo(t.ctx.database.db, { ...systemActor("test"), workspaceId })
    .select("id")
    .execute();

test("the pages: a pasted file is checked, previewed and imported, without JavaScript", async () => {
  const team = await makeTeam(t);
  const cookie = { cookie: team.admin.cookie };
  const form = { ...cookie, "content-type": "application/x-www-form-urlencoded" };
  const list = await t.app.inject({ url: "/app/contacts", headers: cookie });
  assert.match(list.body, /href="\/app\/contacts\/import"/);
  const agentList = await t.app.inject({ url: "/app/contacts", headers: { cookie: team.agent.cookie } });
  assert.doesNotMatch(agentList.body, /contacts\/import/);

  const page = await t.app.inject({ url: "/app/contacts/import", headers: cookie });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<label for="csv">/);

  const bad = await t.app.inject({
    method: "POST",
    url: "/app/contacts/import",
    headers: form,
    payload: new URLSearchParams({
      _csrf: team.admin.csrf,
      fileName: "x.csv",
      csv: "Name\nAda\n",
    }).toString(),
  });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /has no email column/);

  const sent = await t.app.inject({
    method: "POST",
    url: "/app/contacts/import",
    headers: form,
    payload: new URLSearchParams({
      _csrf: team.admin.csrf,
      fileName: "zendesk.csv",
      csv: `${ZENDESK}X,not-an-email,,,,\r\n`,
    }).toString(),
  });
  assert.equal(sent.statusCode, 303, sent.body);
  const at = String(sent.headers.location);
  const shown = await t.app.inject({ url: at, headers: cookie });
  assert.match(shown.body, /<strong>3<\/strong> new contacts/);
  assert.match(
    shown.body,
    /<td><span class="phone-only">Row <\/span>5<\/td><td>Email<\/td><td>“not-an-email” is not an email address<\/td>/,
  );
  assert.match(shown.body, /<progress id="import-bar" max="3" value="0">/);

  const commitUrl = `${at}/commit`;
  const refused = await t.app.inject({
    method: "POST",
    url: commitUrl,
    headers: form,
    payload: new URLSearchParams({ _csrf: team.admin.csrf }).toString(),
  });
  assert.equal(refused.statusCode, 409);
  assert.equal((await contactsOf(team.ws.id)).length, 0);
  const done = await t.app.inject({
    method: "POST",
    url: commitUrl,
    headers: form,
    payload: new URLSearchParams({ _csrf: team.admin.csrf, skipInvalidRows: "on" }).toString(),
  });
  assert.equal(done.statusCode, 303, done.body);
  const result = await t.app.inject({ url: at, headers: cookie });
  assert.match(result.body, /<strong>3<\/strong> contacts added/);
  assert.match(result.body, /<strong>1<\/strong> row with errors skipped/);
  assert.equal((await contactsOf(team.ws.id)).length, 3);
  // A pasted file larger than the app's other forms allow still arrives.
  const big = Array.from({ length: 3000 }, (_, i) => `Person ${i},person${i}@big.test,Big Co,,`).join("\n");
  const bigSent = await t.app.inject({
    method: "POST",
    url: "/app/contacts/import",
    headers: form,
    payload: new URLSearchParams({
      _csrf: team.admin.csrf,
      fileName: "big.csv",
      csv: `${ZENDESK}${big}`,
    }).toString(),
  });
  assert.equal(bigSent.statusCode, 303, bigSent.body);

  const recent = await t.app.inject({ url: "/app/contacts/import", headers: cookie });
  assert.match(recent.body, /zendesk\.csv/);
});
