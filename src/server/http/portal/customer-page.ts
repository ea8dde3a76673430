import type { FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { type CustomerPage, plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerOf } from "./gate.ts";

// Every signed-in portal page leaves through here: the workspace's branded frame with the
// customer's navigation (the company's pages only for a contact of a company), never cached.

export interface CustomerPageSpec {
  title: string;
  current?: CustomerPage;
  main: (ws: Workspace) => Html;
  status?: number;
}

export async function sendCustomerPage(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  p: CustomerPageSpec,
) {
  const nonce = newNonce();
  const ws = await findWorkspaceBySlug(ctx, (req.params as { slug?: string }).slug ?? "");
  if (!ws) return plainNotFound(reply, nonce);
  reply.header("cache-control", "no-store");
  const customer = {
    csrfToken: customerCsrfTokenFor(req.customerToken as string),
    company: customerOf(req).actor.companyId !== null,
    ...(p.current ? { current: p.current } : {}),
  };
  return sendHtml(reply, portalLayout({ ws, nonce, title: p.title, customer, main: p.main(ws) }), {
    kind: "page",
    nonce,
    status: p.status ?? 200,
  });
}
