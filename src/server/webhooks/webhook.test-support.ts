import assert from "node:assert/strict";
import { systemActor } from "../actors.ts";
import type { SignedInAgent } from "../test/factories.ts";
import type { TestEnv } from "../test/harness.ts";
import { deliveriesVisibleTo } from "./webhook.access.ts";

// What the webhook tests share: the agents' API as a signed-in agent, an endpoint added through
// it, and an endpoint's delivery rows as the worker would read them.

export interface Made {
  webhook: { id: string; state: string; events: string[]; format: string };
  secret: string | null;
}

export function webhookWorld(env: () => TestEnv) {
  const api = (
    who: SignedInAgent,
    method: "GET" | "POST" | "PATCH" | "DELETE",
    url: string,
    payload?: object,
  ) =>
    env().app.inject({
      method,
      url: `/api/workspace${url}`,
      headers: who.headers,
      ...(payload ? { payload } : {}),
    });

  async function add(who: SignedInAgent, body: Record<string, unknown> = {}): Promise<Made> {
    const res = await api(who, "POST", "/webhooks", {
      name: "Receiver",
      url: "https://hooks.example.com/portico",
      events: ["ticket.created"],
      ...body,
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Made;
  }

  const rowsOf = (endpointId: string) =>
    deliveriesVisibleTo(env().ctx.database.db, systemActor("test"))
      .selectAll()
      .where("endpoint_id", "=", endpointId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();

  return { api, add, rowsOf };
}
