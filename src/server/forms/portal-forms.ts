import type { CustomerActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { FormDue } from "./form.schemas.ts";

// The forms a signed-in customer is asked to complete: the forms of their company's visible
// customer tasks not yet submitted, soonest due first.

export async function formsDueFor(_ctx: AppContext, _actor: CustomerActor): Promise<FormDue[]> {
  return [];
}
