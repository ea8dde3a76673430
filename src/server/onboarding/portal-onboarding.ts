import type { CustomerActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { PortalOnboardingSummary } from "./onboarding.schemas.ts";

// The portal's view of onboarding: the company's active plan, what is next, what is due from the
// customer. Read through plan.access.ts with CUSTOMER_TASK_COLUMNS only.

export async function portalOnboardingSummary(
  _ctx: AppContext,
  _actor: CustomerActor,
): Promise<PortalOnboardingSummary> {
  return { plan: null, next: [], dueFromYou: [] };
}
