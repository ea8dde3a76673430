import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { formString } from "../web/forms.ts";
import { applyMacroEffects } from "./macros.ts";

/**
 * After the ticket page's reply or note was sent: the status and priority of the macro it was
 * written with (the form's macroId), if any. A status the agent chose in the form wins.
 */
export async function useMacroAfterSend(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  body: unknown,
  statusChosen: boolean,
): Promise<void> {
  const macroId = (formString(body, "macroId") ?? "").trim().slice(0, 64);
  if (!macroId) return;
  try {
    await applyMacroEffects(ctx, actor, reference, macroId, { statusChosen });
  } catch (err) {
    // The reply is sent already: a macro deleted meanwhile (or not the agent's to use) only logs.
    if (!(err instanceof AppError && err.status === 404)) throw err;
    ctx.log.warn({ macroId }, "a reply named a macro that is gone; its status and priority were not applied");
  }
}
