import type { RouteOptions } from "fastify";

// Every route the app registers, as registered (buildApp keeps the list with an onRoute hook):
// html-headers.test.ts walks them all, so a new page cannot escape its check by being left out
// of a hand-made list.

export interface RouteEntry {
  method: string;
  url: string;
}

declare module "fastify" {
  interface FastifyInstance {
    registeredRoutes: readonly RouteEntry[];
  }
}

export function routeEntries(route: Pick<RouteOptions, "method" | "url">): RouteEntry[] {
  return [route.method].flat().map((method) => ({ method, url: route.url }));
}
