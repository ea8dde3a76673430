import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { actOnTask, portalPlans, portalTask } from "../../onboarding/portal-onboarding.ts";
import { codedErrorKey, customerSaid } from "../shared/customer.layout.ts";
import { type CustomerPageSpec, sendCustomerPage } from "./customer-page.ts";
import { customerOf } from "./gate.ts";
import { plansMain, taskMain, taskNotFoundMain } from "./onboarding.views.ts";

// The signed-in portal's onboarding pages: /portal/{slug}/onboarding (the company's plans) and
// /portal/{slug}/onboarding/tasks/{id} (one task, with Start and Mark complete for the
// customer's own). Behind the customer gate; another company's task is the same 404 page.

const _slugOf = (req: FastifyRequest) => (req.params as { slug?: string }).slug ?? "";

type TaskParams = { slug: string; id: string };

/** The notice after each action, by the address's ?done= (catalogue keys). */
const NOTICES: Record<string, string> = {
  start: "work:task.notice.start",
  complete: "work:task.notice.complete",
};

export const portalOnboardingPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const page = (req: FastifyRequest, reply: FastifyReply, p: Omit<CustomerPageSpec, "current">) =>
      sendCustomerPage(ctx, req, reply, { ...p, current: "onboarding" });

    app.get("/:slug/onboarding", async (req, reply) => {
      const { plans } = await portalPlans(ctx, customerOf(req).actor);
      return page(req, reply, {
        title: (t) => t.t("work:onboarding.title"),
        main: (ws, t) => plansMain(ws, plans, t),
      });
    });

    const showTask = async (
      req: FastifyRequest<{ Params: TaskParams }>,
      reply: FastifyReply,
      opts: { notice?: string | undefined; error?: string | undefined; status?: number } = {},
    ) => {
      let task: Awaited<ReturnType<typeof portalTask>>;
      try {
        task = await portalTask(ctx, customerOf(req).actor, req.params.id.slice(0, 64));
      } catch (err) {
        if (!(err instanceof AppError && err.status === 404)) throw err;
        return page(req, reply, {
          title: (t) => t.t("work:task.notFound"),
          status: 404,
          main: taskNotFoundMain,
        });
      }
      return page(req, reply, {
        title: task.title,
        status: opts.status ?? 200,
        main: (ws, t) =>
          taskMain(
            ws,
            task,
            {
              csrfToken: customerCsrfTokenFor(req.customerToken as string),
              notice: opts.notice ? t.t(opts.notice) : undefined,
              error: opts.error && customerSaid(t, opts.error),
            },
            t,
          ),
      });
    };

    app.get<{ Params: TaskParams; Querystring: { done?: string } }>(
      "/:slug/onboarding/tasks/:id",
      (req, reply) => showTask(req, reply, { notice: NOTICES[req.query.done ?? ""] }),
    );

    for (const [action, to] of [
      ["start", "in_progress"],
      ["complete", "complete"],
    ] as const) {
      app.post<{ Params: TaskParams }>(`/:slug/onboarding/tasks/:id/${action}`, async (req, reply) => {
        try {
          await actOnTask(ctx, customerOf(req).actor, req.params.id.slice(0, 64), to);
        } catch (err) {
          if (err instanceof AppError && (err.status === 403 || err.status === 409))
            return showTask(req, reply, { error: codedErrorKey(err) ?? err.message, status: err.status });
          if (err instanceof AppError && err.status === 404) return showTask(req, reply);
          throw err;
        }
        return reply.redirect(
          `/portal/${encodeURIComponent(req.params.slug)}/onboarding/tasks/${encodeURIComponent(req.params.id)}?done=${action}`,
          303,
        );
      });
    }
  };
