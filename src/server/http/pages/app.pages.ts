import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../../context.ts";

// The agents' workspace app (/app) and first-run setup (/setup).
export const appPages =
  (_ctx: AppContext): FastifyPluginAsync =>
  async () => {};
