import type { CustomerActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { PortalDocumentsSummary } from "./document.schemas.ts";

// The portal's view of a company's documents (document.access.ts): its own uploads and the
// team's published deliverables.

export async function portalDocumentsSummary(
  _ctx: AppContext,
  _actor: CustomerActor,
): Promise<PortalDocumentsSummary> {
  return { latest: [], newCount: 0 };
}
