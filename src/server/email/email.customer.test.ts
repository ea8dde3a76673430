import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Branding } from "../workspaces/workspace.branding.ts";
import {
  agentReplyToCustomer,
  customerInvitation,
  customerMagicLink,
  customerPasswordReset,
  customerVerifyEmail,
  openRequests,
  taskReminder,
  ticketConfirmation,
  ticketResolved,
} from "./email.customer.ts";
import { type EmailLang, formatWhen, wordingProblem } from "./email.wording.ts";

// The customer emails in each language, with the workspace's words and wording: assertions on
// what the subject, the text and the HTML say.

const brand: Branding = {
  brandName: "Acme Support",
  logoUrl: null,
  primaryColor: "#0f766e",
  secondaryColor: "#0f766e",
  font: "system",
  supportEmail: null,
};
const lang = (over: Partial<EmailLang> = {}): EmailLang => ({
  locale: "en",
  timeZone: "Europe/Berlin",
  ticketWords: "{}",
  subject: null,
  intro: null,
  ...over,
});
const AT = "2026-12-06T17:03:00.000Z";
const confirmation = (l: EmailLang, canReply = true) =>
  ticketConfirmation({
    brand,
    reference: "TKT-0042",
    subject: "Printer jams",
    contactName: "Casey",
    trackingUrl: "https://help.acme.test/portal/acme/track/abc",
    viaEmail: false,
    canReply,
    description: "Every job stops halfway.",
    files: ["jam.jpg", "log.txt"],
    receivedAt: AT,
    lang: l,
  });

describe("customer emails", () => {
  test("the confirmation in English, German and French, with the time in the reader's zone, named", () => {
    const en = confirmation(lang());
    assert.equal(en.subject, "[TKT-0042] We received your request: Printer jams");
    assert.match(en.text, /^We received your request TKT-0042$/m);
    assert.match(en.text, /Received on 6 Dec 2026, 18:03 CET\./);
    assert.match(en.html, /<html lang="en">/);

    const de = confirmation(lang({ locale: "de" }));
    assert.equal(de.subject, "[TKT-0042] Wir haben Ihre Anfrage erhalten: Printer jams");
    assert.match(de.text, /Hallo Casey,/);
    assert.match(de.text, /Eingegangen am 6\. Dez\. 2026, 18:03 MEZ\./);
    assert.match(de.text, /Ihre Anfrage verfolgen: https:\/\/help\.acme\.test\/portal\/acme\/track\/abc/);
    assert.match(de.html, /<html lang="de">/);

    const fr = confirmation(lang({ locale: "fr", timeZone: "America/New_York" }));
    assert.equal(fr.subject, "[TKT-0042] Nous avons bien reçu votre demande : Printer jams");
    assert.match(fr.text, /Bonjour Casey,/);
    assert.match(fr.text, /Reçue le 6 déc\. 2026, 12:03 UTC−5\./);
  });

  test("the workspace's word for ticket, with words that agree with its gender", () => {
    const de = ticketResolved({
      brand,
      reference: "TKT-7",
      subject: "Login",
      resolution: null,
      trackingUrl: "https://x.test/t",
      canReply: false,
      lang: lang({
        locale: "de",
        ticketWords: JSON.stringify({ de: { one: "Fall", other: "Fälle", gender: "male" } }),
      }),
    });
    assert.match(de.text, /^Ihr Fall TKT-7 ist gelöst$/m);
    assert.match(de.text, /Wir haben Ihren Fall „Login“ gelöst\./);
    assert.match(de.text, /dann wird der Fall wieder geöffnet/);
    const fr = ticketResolved({
      brand,
      reference: "TKT-7",
      subject: "Login",
      resolution: null,
      trackingUrl: "https://x.test/t",
      canReply: false,
      lang: lang({
        locale: "fr",
        ticketWords: JSON.stringify({ fr: { one: "Dossier", other: "Dossiers", gender: "male" } }),
      }),
    });
    assert.match(fr.text, /^Votre dossier TKT-7 est résolu$/m);
    assert.match(fr.text, /votre dossier sera rouvert\./);
    const en = ticketResolved({
      brand,
      reference: "TKT-7",
      subject: "Login",
      resolution: null,
      trackingUrl: "https://x.test/t",
      canReply: false,
      lang: lang({ ticketWords: JSON.stringify({ en: { one: "Case", other: "Cases" } }) }),
    });
    assert.match(en.text, /^Your case TKT-7 is resolved$/m);
  });

  test("the confirmation repeats the message and lists the files; the button carries the link", () => {
    const m = confirmation(lang());
    assert.match(m.text, /Files attached: jam\.jpg, log\.txt/);
    assert.match(m.text, /Your message:\n {2}Every job stops halfway\./);
    assert.ok(m.html.includes("Every job stops halfway."));
    assert.ok(m.html.includes('href="https://help.acme.test/portal/acme/track/abc"'));
    assert.equal(
      m.html.split("https://help.acme.test/portal/acme/track/abc").length - 1,
      1,
      "the tracking link only in the button, not printed under it",
    );
    assert.match(m.text, /Track your request: https:\/\/help\.acme\.test\/portal\/acme\/track\/abc/);
  });

  test("no address printed in the HTML: the resolved email with a rating and the open requests link their words", () => {
    /** Every place the address appears in the HTML, and how many of them are href attributes. */
    const seen = (markup: string, url: string) => ({
      all: markup.split(url).length - 1,
      href: markup.split(`href="${url}"`).length - 1,
    });
    const track = "https://help.acme.test/portal/acme/track/abc";
    const rate = "https://help.acme.test/portal/acme/survey/xyz";
    const resolved = ticketResolved({
      brand,
      reference: "TKT-7",
      subject: "Login",
      resolution: "Reset the password.",
      trackingUrl: track,
      canReply: true,
      rateUrl: rate,
      unsubscribeUrl: `${rate}/unsubscribe`,
      lang: lang(),
    });
    assert.deepEqual(seen(resolved.html, track), { all: 1, href: 1 }, "the tracking link only as a link");
    assert.match(resolved.html, new RegExp(`<a href="${track}"[^>]*>View your request</a>`));
    assert.ok(resolved.html.includes(`href="${rate}"`), "the rating is the button");
    assert.match(
      resolved.text,
      new RegExp(`View your request\n${track}\n`),
      "the text part keeps the address",
    );

    const urls = [
      "https://help.acme.test/portal/acme/track/one",
      "https://help.acme.test/portal/acme/track/two",
    ];
    const open = openRequests({
      brand,
      contactName: "Casey",
      requests: urls.map((url, i) => ({
        reference: `TKT-${i + 1}`,
        subject: "Printer",
        statusLabel: "Open",
        url,
      })),
      linkDays: 7,
      lang: lang({ locale: "fr" }),
    });
    for (const [i, url] of urls.entries()) {
      assert.deepEqual(seen(open.html, url), { all: 1, href: 1 }, url);
      assert.match(open.html, new RegExp(`<a href="${url}"[^>]*>TKT-${i + 1}: Printer \\(Open\\)</a>`));
      assert.ok(open.text.includes(`TKT-${i + 1}: Printer (Open)\n${url}\n`), open.text);
    }
  });

  test("the account emails: each its own words, the link only in the button, how long it works", () => {
    const url = "https://help.acme.test/portal/acme/a/secret";
    const base = { brand, name: "Casey", url };
    const cases = [
      [
        customerInvitation({ ...base, invitedBy: null, expiresDays: 7, lang: lang({ locale: "de" }) }),
        /7 Tage/,
      ],
      [customerInvitation({ ...base, invitedBy: "Sam", expiresDays: 7, lang: lang() }), /Sam invited you/],
      [customerMagicLink({ ...base, expiresMinutes: 15, lang: lang() }), /15 minutes/],
      [customerMagicLink({ ...base, expiresMinutes: 15, alreadyRegistered: true }), /you have one already/],
      [customerPasswordReset({ ...base, expiresMinutes: 60, lang: lang({ locale: "fr" }) }), /60 minutes/],
      [customerVerifyEmail({ ...base, expiresHours: 24, lang: lang() }), /24 hours/],
    ] as const;
    for (const [m, says] of cases) {
      assert.match(m.text, says);
      assert.match(m.text, /^(Hi|Hallo|Bonjour) Casey,$/m);
      assert.doesNotMatch(`${m.subject}\n${m.text}`, /email:\w+\.|\{\{/, "every word found in the catalogue");
      assert.equal(m.html.split(url).length - 1, 1, "the link only in the button");
    }
    assert.match(
      customerInvitation({ ...base, invitedBy: null, expiresDays: 7 }).text,
      /The support team invited/,
    );
    assert.doesNotMatch(
      customerMagicLink({ ...base, expiresMinutes: 15, alreadyRegistered: true }).text,
      /Use this link to sign in to the support portal\./,
      "registering again replaces the intro",
    );
    const reset = customerPasswordReset({ ...base, expiresMinutes: 60, lang: lang() });
    assert.match(reset.text, /^Choose a new password: https:/m, "the reset's button says its heading");
  });

  test("replies by email are invited only when they can arrive", () => {
    assert.match(confirmation(lang(), true).text, /Reply to this email/);
    const closed = confirmation(lang(), false);
    assert.doesNotMatch(closed.text, /Reply to this email/);
    assert.match(closed.text, /Use the link to add to the conversation\./);
    assert.doesNotMatch(confirmation(lang({ locale: "de" }), false).text, /Antworten Sie auf diese E-Mail/);
    assert.match(confirmation(lang({ locale: "de" }), true).text, /Antworten Sie auf diese E-Mail/);
  });

  test("an agent's reply quotes the earlier messages below it, newest first", () => {
    const m = agentReplyToCustomer({
      brand,
      reference: "TKT-9",
      subject: "Invoice",
      agentName: "Sam",
      body: "Fixed it.",
      trackingUrl: "https://x.test/t",
      resolved: false,
      canReply: true,
      earlier: [
        { author: "Sam", body: "Which invoice?", at: "2026-12-05T09:00:00.000Z" },
        { author: null, body: "My invoice is wrong.", at: "2026-12-04T09:00:00.000Z" },
      ],
      lang: lang({ locale: "de" }),
    });
    const reply = m.text.indexOf("Sam schrieb:");
    const second = m.text.indexOf("Sam schrieb am 5. Dez. 2026, 10:00 MEZ:");
    const first = m.text.indexOf("Sie schrieben am 4. Dez. 2026, 10:00 MEZ:");
    assert.ok(reply >= 0 && second > reply && first > second, m.text);
  });

  test("the admin's subject and intro, with placeholders filled; the rest stays ours", () => {
    const m = confirmation(
      lang({
        locale: "de",
        subject: "{{portal}}: {{ticket}} {{reference}} ist da",
        intro: "Danke {{name}}! Wir kümmern uns um „{{subject}}“ <sofort>.",
      }),
    );
    assert.equal(m.subject, "Acme Support: Anfrage TKT-0042 ist da");
    assert.match(m.text, /Danke Casey! Wir kümmern uns um „Printer jams“ <sofort>\./);
    assert.ok(m.html.includes("&lt;sofort&gt;"), "the admin's words are escaped in the HTML");
    assert.match(m.text, /Eingegangen am/);
  });

  test("the admin's wording: unknown placeholders, lengths and lines are refused", () => {
    assert.equal(wordingProblem("ticket_confirmation", "subject", "{{reference}} {{ticket}}"), null);
    assert.match(
      wordingProblem("customer_magic_link", "subject", "Sign in {{reference}}") ?? "",
      /unknown placeholder \{\{reference\}\}/,
    );
    assert.match(wordingProblem("agent_reply", "intro", "{{agent}}") ?? "", /unknown placeholder/);
    assert.match(wordingProblem("agent_reply", "subject", "x".repeat(201)) ?? "", /at most 200/);
    assert.match(wordingProblem("agent_reply", "subject", "one\ntwo") ?? "", /one line/);
    assert.match(wordingProblem("agent_reply", "intro", "{{name") ?? "", /unclosed/);
  });

  test("times are written in the reader's language and zone", () => {
    assert.equal(formatWhen(AT, { locale: "en", timeZone: "Europe/Berlin" }), "6 Dec 2026, 18:03 CET");
    assert.equal(formatWhen(AT, { locale: "en", timeZone: "Not/AZone" }), "6 Dec 2026, 17:03 UTC");
    const tasks = taskReminder({
      brand,
      contactName: "Casey",
      tasks: [{ title: "Sign", due: "6 Dec 2026", dueAt: AT, overdue: false }],
      url: "https://x.test/o",
      lang: lang({ locale: "fr" }),
    });
    assert.equal(tasks.subject, "Une tâche arrive à échéance pour Acme Support");
    assert.match(tasks.text, /Sign : à faire pour le 6 déc\. 2026, 18:03 UTC\+1/);
    // Late in the evening in Berlin is already the next day in Tokyo: the reader's zone decides.
    const tokyo = taskReminder({
      brand,
      contactName: "Casey",
      tasks: [{ title: "Sign", due: "6 Dec 2026", dueAt: AT, overdue: false }],
      url: "https://x.test/o",
      lang: lang({ timeZone: "Asia/Tokyo" }),
    });
    assert.match(tokyo.text, /Sign: due 7 Dec 2026, 02:03 GMT\+9/);
  });

  test("the open requests are listed with their status in the reader's language", () => {
    const requests = [
      {
        reference: "TKT-0042",
        subject: "Printer jams",
        status: "in_progress" as const,
        statusLabel: "In Progress",
        url: "https://x.test/t",
      },
    ];
    const mail = (l: EmailLang) =>
      openRequests({ brand, contactName: "Casey", requests, linkDays: 30, lang: l });
    assert.match(mail(lang()).text, /TKT-0042: Printer jams \(In Progress\)/);
    assert.match(mail(lang({ locale: "de" })).text, /TKT-0042: Printer jams \(In Bearbeitung\)/);
    assert.match(mail(lang({ locale: "fr" })).text, /TKT-0042: Printer jams \(En cours\)/);
    // A queued email from before the code: its English label.
    const old = openRequests({
      brand,
      contactName: "Casey",
      requests: [
        {
          reference: "TKT-0042",
          subject: "Printer jams",
          statusLabel: "In Progress",
          url: "https://x.test/t",
        },
      ],
      linkDays: 30,
      lang: lang({ locale: "de" }),
    });
    assert.match(old.text, /\(In Progress\)/);
  });
});
