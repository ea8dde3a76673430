import type { CustomerActor } from "../../actors.ts";
import type { AppContext } from "../../context.ts";
import { findAttachmentForCustomer, type StoredFile } from "../../files/file.access.ts";
import { findPortalTicket } from "../../tickets/customer-portal.ts";

/**
 * A file of one of the signed-in customer's requests: the one lookup behind the download and the
 * thumbnail, on the pages and in the API. Another company's request or file is the same 404.
 */
export async function findRequestFile(
  ctx: AppContext,
  actor: CustomerActor,
  reference: string,
  id: string,
): Promise<StoredFile> {
  const ticket = await findPortalTicket(ctx.database.db, actor, reference);
  return findAttachmentForCustomer(ctx, actor, { ticketId: ticket.id, id });
}
