import type { Translator } from "../i18n/translator.ts";
import type { CustomerExpectations } from "../sla/sla.customer.ts";
import { bdi, type Html, html } from "./html.ts";

// The customer's line under a request's title: "We usually reply within 4 business hours" and
// "Handled by Ada", each only where the workspace chose to show it (sla/sla.customer.ts).

export function expectationsLine(
  t: Translator,
  e: CustomerExpectations,
  opts: { assignee?: boolean } = {},
): Html | "" {
  const parts: (string | Html)[] = [];
  if (e.replyWithin) {
    const m = e.replyWithin.minutes;
    const hours = m % 60 === 0;
    const key = `tracking:replyWithin.${e.replyWithin.business ? "business" : ""}${hours ? "Hours" : "Minutes"}`;
    parts.push(
      t.t(key.replace("replyWithin.H", "replyWithin.h").replace("replyWithin.M", "replyWithin.m"), {
        count: hours ? m / 60 : m,
      }),
    );
  }
  if (opts.assignee !== false && e.assigneeName)
    parts.push(t.th("tracking:handledBy", { name: bdi(e.assigneeName) }));
  if (parts.length === 0) return "";
  return html`<p class="expectations" data-expectations>${parts.map((p, i) => html`${i ? " · " : ""}${p}`)}</p>`;
}
