import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { Key } from "../../lib/schema.ts";
import {
  PortalOnboardingSummary,
  PortalPlans,
  PortalPlanView,
  PortalTaskDetail,
  PortalTaskLink,
} from "../../onboarding/onboarding.schemas.ts";
import {
  actOnTask,
  portalOnboardingSummary,
  portalPlan,
  portalPlans,
  portalTask,
} from "../../onboarding/portal-onboarding.ts";
import { tasksOfRequestRef } from "../../onboarding/task-links.ts";
import { errors } from "../shared/schema.ts";
import { customerOf } from "./gate.ts";

// The company's onboarding for a signed-in customer: plans, tasks, starting and completing their
// own, and the tasks on a request. Behind the one customer gate (account.routes.ts). Only the
// portal side of a task is ever answered; another company's plan or task is a 404.

const tags = ["customer portal"];
const security = [{ customerSession: [] }];
const writeSecurity = [{ customerSession: [], customerCsrf: [] }];
const Slug = Type.String({ maxLength: 40 });
const SlugId = Type.Object({ slug: Slug, id: Key(64) });

export const portalOnboardingRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/:slug/onboarding",
      {
        schema: {
          tags,
          summary: "The company's plans under way or finished, with the tasks shown on the portal",
          security,
          params: Type.Object({ slug: Slug }),
          response: { 200: PortalPlans, ...errors(401) },
        },
      },
      async (req) => portalPlans(ctx, customerOf(req).actor),
    );
    app.get(
      "/:slug/onboarding/summary",
      {
        schema: {
          tags,
          summary: "The active plan's progress, what is next and what is due from the customer",
          security,
          params: Type.Object({ slug: Slug }),
          response: { 200: PortalOnboardingSummary, ...errors(401) },
        },
      },
      async (req) => portalOnboardingSummary(ctx, customerOf(req).actor),
    );
    app.get(
      "/:slug/onboarding/plans/:id",
      {
        schema: {
          tags,
          summary: "One plan",
          security,
          params: SlugId,
          response: { 200: PortalPlanView, ...errors(401, 404) },
        },
      },
      async (req) => portalPlan(ctx, customerOf(req).actor, req.params.id),
    );
    app.get(
      "/:slug/onboarding/tasks/:id",
      {
        schema: {
          tags,
          summary: "One task with the requests linked to it",
          security,
          params: SlugId,
          response: { 200: PortalTaskDetail, ...errors(401, 404) },
        },
      },
      async (req) => portalTask(ctx, customerOf(req).actor, req.params.id),
    );
    for (const [action, to] of [
      ["start", "in_progress"],
      ["complete", "complete"],
    ] as const) {
      app.post(
        `/:slug/onboarding/tasks/:id/${action}`,
        {
          schema: {
            tags,
            summary:
              action === "start"
                ? "Start one of the customer's tasks"
                : "Mark one of the customer's tasks complete",
            description:
              action === "start"
                ? "Allowed for the task's assignee, any contact of the company when it has none, or a company manager (403 not_your_task otherwise)."
                : "Allowed for the task's assignee, any contact of the company when it has none, or a company manager (403 not_your_task otherwise). A task with a form is completed by sending the form: without its sent answers, 409 form_required.",
            security: writeSecurity,
            params: SlugId,
            response: { 200: PortalTaskDetail, ...errors(401, 403, 404, 409) },
          },
        },
        async (req) => actOnTask(ctx, customerOf(req).actor, req.params.id, to),
      );
    }
    app.get(
      "/:slug/requests/:reference/tasks",
      {
        schema: {
          tags,
          summary: "The onboarding tasks linked to a request",
          security,
          params: Type.Object({ slug: Slug, reference: Key(20) }),
          response: { 200: Type.Array(PortalTaskLink), ...errors(401, 404) },
        },
      },
      async (req) => tasksOfRequestRef(ctx, customerOf(req).actor, req.params.reference),
    );
  };
