import { formatReference, parseReference } from "../../shared/tickets.ts";
import type { AppContext } from "../context.ts";

// The one way a change to tickets is said on the live bus, after its transaction committed: the
// queue and the open ticket pages of the workspace refresh.

/** Tickets changed (by reference as typed, or by number): each said as "ticket". */
export function publishTicketChanged(
  ctx: AppContext,
  workspaceId: string,
  ...tickets: (string | number)[]
): void {
  for (const t of tickets) {
    const number = typeof t === "number" ? t : parseReference(t);
    if (number === null) continue;
    ctx.live.publish({ workspaceId, topic: "ticket", reference: formatReference(number) });
  }
}
