import type { TicketDetail } from "../../tickets/ticket.schemas.ts";
import { type Html, html } from "../../web/html.ts";

// The live parts of the ticket page: who else is on it (filled by app.js from the presence
// heartbeat and the "presence" events) and the reply form's collision guard (reply-collision.ts).

/** The newest customer message the page shows: the reply form sends it back. */
export function latestCustomerMessage(t: TicketDetail): string {
  let id = "";
  for (const e of t.conversation) if (e.author.type === "contact" && !e.internal) id = e.id;
  return id;
}

/** "Alex is viewing" / "Alex is typing…": announced politely, empty while nobody else is here. */
export function presenceLine(t: TicketDetail, agentId: string): Html {
  return html`<p id="presence" class="presence" aria-live="polite" data-presence="/api/workspace/tickets/${t.reference}/presence" data-reference="${t.reference}" data-agent="${agentId}"></p>`;
}

/** Inside the reply form: what it saw, and after a 409 newer_message the choice to send anyway. */
export function collisionFields(t: TicketDetail, newerMessage: boolean | undefined): Html {
  return html`<input type="hidden" name="seenMessage" value="${latestCustomerMessage(t)}">${
    newerMessage
      ? html`<div class="notice warning collision" role="alert"><p>The customer wrote again while you were writing: their new message is above. Your reply is kept below.</p>
<button type="submit" name="sendAnyway" value="true" class="send-anyway">Send anyway</button></div>`
      : ""
  }`;
}
