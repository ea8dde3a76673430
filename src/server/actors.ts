// Who is acting. Every domain operation takes one first, and every entity's access function
// (`*.access.ts`) decides what it may see by the actor's kind, in a switch that denies by
// default: a new kind of actor sees nothing until each entity says what it may see.

/** An agent or admin of one workspace, signed in to the app or the workspace API. */
export type AgentActor = {
  kind: "agent";
  workspaceId: string;
  agentId: string;
  role: "admin" | "agent";
  /** The client's address of the request, for the audit log (set by the agents' gate). */
  ip?: string;
  /**
   * Set when the request came with an API key instead of a session: the key acts as the admin
   * who created it, with an agent's role (never an admin's); a read key only reads.
   */
  apiKey?: { id: string; name: string; scope: "read" | "write" };
};

/**
 * A customer signed in to the portal: one contact of one workspace. `scope` is what their portal
 * access allows: their own requests, or everything of their company (the company's manager).
 */
export type CustomerActor = {
  kind: "customer";
  workspaceId: string;
  contactId: string;
  companyId: string | null;
  scope: "own" | "company";
};

/** Someone on a workspace's public portal without an account or a token: reads the public KB. */
export type VisitorActor = { kind: "visitor"; workspaceId: string };

/** A customer holding a ticket's tracking token: reaches that one ticket and nothing else. */
export type TokenHolderActor = {
  kind: "token_holder";
  workspaceId: string;
  ticketId: string;
  contactId: string;
  emailNormalized: string;
};

/**
 * Jobs and the CLI: explicit and greppable, never inferred. Without a workspace it is the whole
 * server's (the file sweep, outbox delivery); with one it acts inside that workspace only
 * (incoming mail), scoped like that workspace's agents.
 */
export type SystemActor = { kind: "system"; reason: string; workspaceId?: undefined };
export type WorkspaceSystemActor = { kind: "system"; reason: string; workspaceId: string };

export type Actor =
  | AgentActor
  | CustomerActor
  | VisitorActor
  | TokenHolderActor
  | SystemActor
  | WorkspaceSystemActor;

export const visitorOf = (workspaceId: string): VisitorActor => ({ kind: "visitor", workspaceId });

export const systemActor = (reason: string): SystemActor => ({ kind: "system", reason });
export const systemActorIn = (reason: string, workspaceId: string): WorkspaceSystemActor => ({
  kind: "system",
  reason,
  workspaceId,
});

/**
 * The end of every access function's switch: TypeScript refuses to compile while a kind of actor
 * is not handled, and at run time an unknown actor is refused rather than let through.
 */
export function unknownActor(actor: never): never {
  throw new Error(`no access rule for actor ${JSON.stringify(actor)}`);
}
