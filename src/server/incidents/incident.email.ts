import { type Rendered, render } from "../email/email.frame.ts";
import { type EmailLang, ENGLISH, translatorOf } from "../email/email.wording.ts";
import { bdi } from "../web/html.ts";
import type { Branding } from "../workspaces/workspace.branding.ts";

// The one email an incident sends: to each customer it concerned (a linked ticket's contact, or
// one who said "this affects me too"), once, when it is resolved; in their language
// (catalogue namespace "incidents", email.*), queued with the language fixed (emailLangOf).

export function incidentResolved(p: {
  brand: Branding;
  /** The title agents gave it: customers read the message, so the title stays out. */
  message: string;
  products: string[];
  contactName: string;
  portalUrl: string;
  lang?: EmailLang | undefined;
}): Rendered {
  const tr = translatorOf(p.lang ?? ENGLISH);
  const portal = p.brand.brandName;
  return render(tr.t("incidents:email.subject", { portal }), {
    lang: tr.locale,
    brand: p.brand,
    heading: tr.t("incidents:email.heading"),
    paragraphs: [
      tr.th("email:hi", { name: bdi(p.contactName) }),
      p.products.length
        ? tr.t("incidents:email.introProducts", { products: p.products.join(", ") })
        : tr.t("incidents:email.intro"),
    ],
    quote: { label: tr.t("incidents:email.update"), text: p.message },
    button: { label: tr.t("incidents:email.button"), url: p.portalUrl },
    note: tr.t("incidents:email.note"),
  });
}
