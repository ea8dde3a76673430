import type { FastifyRequest } from "fastify";
import { csrfTokenFor } from "../../auth/session.service.ts";
import { type Html, html } from "../../web/html.ts";

// The availability control in the app's header: online or away, and when going away whether to
// hand one's open tickets back. A disclosure (details/summary) holding a plain form, so it works
// by keyboard and without JavaScript. Apart from layout.ts, which calls it, so routing's pages
// can use layout.ts without an import circle.

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in agent's availability, read before each page (routing.pages.ts). */
    availability: "online" | "away" | null;
  }
}

export function availabilityControl(req: FastifyRequest): Html {
  const now = req.availability;
  if (!now || !req.sessionToken) return html``;
  const next = req.url.startsWith("/app") && !req.url.startsWith("//") ? req.url : "/app";
  return html`<details class="availability availability-${now}">
  <summary><span class="dot" aria-hidden="true"></span>${now === "online" ? "Online" : "Away"}<span class="visually-hidden">: change availability</span></summary>
  <form method="post" action="/app/me/availability" class="availability-form">
    <input type="hidden" name="_csrf" value="${csrfTokenFor(req.sessionToken)}">
    <input type="hidden" name="next" value="${next}">
    <fieldset>
      <legend>My availability</legend>
      <label><input type="radio" name="availability" value="online"${now === "online" ? html` checked` : ""}> Online: I take new tickets</label>
      <label><input type="radio" name="availability" value="away"${now === "away" ? html` checked` : ""}> Away: no new tickets</label>
    </fieldset>
    <label class="check"><input type="checkbox" name="handBack" value="true"> When away, hand my open tickets back to be assigned again</label>
    <button type="submit" class="small">Set availability</button>
  </form>
</details>`;
}
