import type { RouteOptions } from "fastify";

// Every route the app registers, as registered (buildApp keeps the list with an onRoute hook):
// html-headers.test.ts and input.test.ts walk them all, so a new route cannot escape their
// checks by being left out of a hand-made list.

export interface RouteEntry {
  method: string;
  url: string;
  /** The query string parameters its schema declares. */
  query: readonly string[];
  /** Its JSON body's schema, if it declares one. */
  body: unknown;
}

declare module "fastify" {
  interface FastifyInstance {
    registeredRoutes: readonly RouteEntry[];
  }
}

export function routeEntries(route: Pick<RouteOptions, "method" | "url" | "schema">): RouteEntry[] {
  const querystring = route.schema?.querystring as { properties?: object } | undefined;
  const query = Object.keys(querystring?.properties ?? {});
  const body = route.schema?.body;
  return [route.method].flat().map((method) => ({ method, url: route.url, query, body }));
}
