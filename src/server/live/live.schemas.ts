import { type Static, Type } from "typebox";
import { OneOf, StrictObject } from "../lib/schema.ts";
import { PRESENCE_STATES } from "./presence.ts";

// The live API's bodies and answers: the presence heartbeat of the ticket page.

export const PresenceBody = StrictObject({
  state: OneOf(PRESENCE_STATES, "viewing: the page is open; typing: a reply is being written"),
});
export type PresenceBody = Static<typeof PresenceBody>;

export const PresenceAnswer = Type.Object({
  others: Type.Array(
    Type.Object({
      agentId: Type.String(),
      name: Type.String(),
      state: OneOf(PRESENCE_STATES),
      ttlMs: Type.Integer({ description: "How long this stays true without another heartbeat" }),
    }),
    { description: "The other agents on this ticket now" },
  ),
  ttlMs: Type.Integer({ description: "Send the next heartbeat well within this" }),
});
export type PresenceAnswer = Static<typeof PresenceAnswer>;
