import { formString } from "../../web/forms.ts";

/** The reply form's collision fields (ticket-live.views.ts), as the reply body takes them. */
export function collisionFieldsOf(body: unknown): { seenMessage?: string; sendAnyway?: boolean } {
  const seen = formString(body, "seenMessage");
  return {
    ...(seen !== undefined ? { seenMessage: seen } : {}),
    ...(formString(body, "sendAnyway") === "true" ? { sendAnyway: true } : {}),
  };
}
