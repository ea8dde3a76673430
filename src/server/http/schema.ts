// The route schemas' building blocks live in ./shared/schema.ts. Two domain modules
// (kb/kb.schemas.ts, tickets/ticket.schemas.ts) still import them from this address; this file
// goes once they import ./shared/schema.ts.
export * from "./shared/schema.ts";
