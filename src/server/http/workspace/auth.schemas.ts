import { Type } from "typebox";

// The agent and the session as the JSON API answers them (sign-in, GET /session, agents).

export const AgentSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal("admin"), Type.Literal("agent")]),
  active: Type.Boolean(),
  lastLoginAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

export const SessionSchema = Type.Object({
  agent: AgentSchema,
  workspace: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() }),
  csrfToken: Type.String(),
  expiresAt: Type.String({ format: "date-time" }),
});
