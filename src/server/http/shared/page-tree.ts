import formbody from "@fastify/formbody";
import type { FastifyInstance } from "fastify";

/**
 * Makes a plugin a tree of HTML pages: it reads form posts (only here: the JSON API keeps
 * refusing form bodies), and its routes stay out of the API document, which describes the JSON
 * API alone. Every answer of such a tree leaves through sendHtml (html-response.ts).
 */
export async function pageTree(app: FastifyInstance, opts: { formBodyLimit: number }): Promise<void> {
  await app.register(formbody, { bodyLimit: opts.formBodyLimit });
  app.addHook("onRoute", (route) => {
    route.schema = { ...route.schema, hide: true };
  });
}
