import type { TicketDetail } from "../../tickets/ticket.schemas.ts";
import { type Html, html } from "../../web/html.ts";

// The live parts of the ticket page: who else is on it (filled by app.js from the presence
// heartbeat and the "presence" events) and the reply form's collision guard (reply-collision.ts).

/**
 * The newest customer message the agent has seen, which the reply form sends back: the ticket's
 * newest (on the newest page it is shown, or older than every message shown); on an older page of
 * a long conversation, the newest of that page, so a reply from there is asked about what came after.
 */
function seenCustomerMessage(t: TicketDetail, older: boolean): string {
  if (!older) return t.latestCustomerMessage ?? "";
  let id = "";
  for (const e of t.conversation) if (e.author.type === "contact" && !e.internal) id = e.id;
  return id;
}

/** "Alex is viewing" / "Alex is typing…": announced politely, empty while nobody else is here. */
export function presenceLine(t: TicketDetail, agentId: string): Html {
  return html`<p id="presence" class="presence" aria-live="polite" data-presence="/api/workspace/tickets/${t.reference}/presence" data-reference="${t.reference}" data-agent="${agentId}"></p>`;
}

/** Inside the reply form: what it saw, and after a 409 newer_message the choice to send anyway. */
export function collisionFields(t: TicketDetail, newerMessage: boolean | undefined, older = false): Html {
  return html`<input type="hidden" name="seenMessage" value="${seenCustomerMessage(t, older)}">${
    newerMessage
      ? html`<div class="notice warning collision" role="alert"><p>The customer wrote again while you were writing: their new message is above. Your reply is kept below.</p>
<button type="submit" name="sendAnyway" value="true" class="send-anyway">Send anyway</button></div>`
      : ""
  }`;
}
