import { type Static, Type } from "typebox";
import { Line, Nullable, OneOf, StrictObject } from "../lib/schema.ts";

// API keys' bodies and answers: the routes' schemas and the service's types.

export const API_KEY_SCOPES = ["read", "write"] as const;
export const API_KEY_NAME_MAX = 80;

export const CreateApiKeyBody = StrictObject({
  name: Line(API_KEY_NAME_MAX, "What the key is for, e.g. the tool that uses it"),
  scope: OneOf(API_KEY_SCOPES, "read: GET and HEAD only; write: every method an agent may use"),
});
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

const AgentRef = Nullable(Type.Object({ id: Type.String(), name: Type.String() }));

export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: OneOf(API_KEY_SCOPES),
  prefix: Type.String({ description: "The token's first characters, to tell keys apart" }),
  createdBy: AgentRef,
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: Nullable(Type.String({ format: "date-time", description: "Kept to the minute" })),
  revokedAt: Nullable(Type.String({ format: "date-time" })),
  revokedBy: AgentRef,
});
export type ApiKeyView = Static<typeof ApiKeyView>;

export const ApiKeyList = Type.Object({ items: Type.Array(ApiKeyView) });

export const CreatedApiKey = Type.Object({
  key: ApiKeyView,
  token: Type.String({ description: "The key itself (ptk_…): shown this once, never again" }),
});
export type CreatedApiKey = Static<typeof CreatedApiKey>;
