import formbody from "@fastify/formbody";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { systemActor } from "../../actors.ts";
import { acceptInvitation, findInvitation, type Invitation } from "../../agents/agent.service.ts";
import { PASSWORD_MIN } from "../../auth/passwords.ts";
import { csrfTokenFor, resolveSession, signIn, signOut } from "../../auth/session.service.ts";
import { safeEqual } from "../../auth/tokens.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { describedBy, formString } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { countWorkspaces, createWorkspaceWithAdmin } from "../../workspaces/workspace.service.ts";
import { SESSION_COOKIE, sessionCookieOptions } from "../workspace/session.ts";
import { kbPages } from "./app.kb.ts";
import { appErrorSummary, appFieldError, safeNext, sendAppPage, sendPublicAppPage } from "./app.layout.ts";
import { outboxPages } from "./app.outbox.ts";
import { settingsPages } from "./app.settings.ts";
import { ticketPages } from "./app.tickets.ts";

// The agents' workspace app (/app) and first-run setup (/setup): server-rendered pages that
// work without JavaScript, enhanced by app.js. One gate guards the whole signed-in tree.

interface SetupValues {
  name?: string;
  slug?: string;
  "admin.name"?: string;
  "admin.email"?: string;
}

function setupForm(values: SetupValues, errors?: FieldErrors, message?: string): Html {
  const input = (field: keyof SetupValues | "admin.password", label: string, attrs: Html, hint?: string) => {
    const id = field.replace(".", "-");
    return html`<div class="field">
    <label for="${id}">${label}</label>
    ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ""}
    <input id="${id}" name="${field}" ${attrs} value="${field === "admin.password" ? "" : (values[field] ?? "")}"${describedBy(errors, field, ...(hint ? [`${id}-hint`] : []))}>
    ${appFieldError(errors, field)}
  </div>`;
  };
  return html`<h1>Set up Portico</h1>
<p class="lede">Create your workspace and your own admin account. You can add agents and brand the portal next.</p>
${appErrorSummary(errors, message)}
<form method="post" action="/setup" novalidate class="card">
  <fieldset>
    <legend>Your workspace</legend>
    ${input("name", "Company or team name", html`type="text" required autocomplete="organization" maxlength="120"`)}
    ${input("slug", "Portal address", html`type="text" required pattern="[a-z0-9-]{1,40}" maxlength="40" autocapitalize="none" spellcheck="false"`, "Lowercase letters, digits and hyphens: your customers' portal lives at /portal/this-name.")}
  </fieldset>
  <fieldset>
    <legend>Your admin account</legend>
    ${input("admin.name", "Your name", html`type="text" required autocomplete="name" maxlength="120"`)}
    ${input("admin.email", "Your email", html`type="email" required autocomplete="email"`)}
    ${input("admin.password", "Password", html`type="password" required autocomplete="new-password" minlength="10"`, "At least 10 characters.")}
  </fieldset>
  <button type="submit" class="primary">Create workspace</button>
</form>`;
}

function signInForm(
  values: { workspace?: string; email?: string; next?: string },
  opts: { askWorkspace: boolean; errors?: FieldErrors; message?: string; notice?: string },
): Html {
  const { errors } = opts;
  return html`<h1>Sign in</h1>
${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ""}
${appErrorSummary(errors, opts.message)}
<form method="post" action="/app/sign-in" novalidate class="card">
  <input type="hidden" name="next" value="${values.next ?? "/app"}">
  ${
    opts.askWorkspace
      ? html`<div class="field">
    <label for="workspace">Workspace</label>
    <p class="hint" id="workspace-hint">The name in your portal's address: /portal/<strong>workspace</strong>.</p>
    <input id="workspace" name="workspace" type="text" required autocapitalize="none" spellcheck="false" value="${values.workspace ?? ""}"${describedBy(errors, "workspace", "workspace-hint")}>
    ${appFieldError(errors, "workspace")}
  </div>`
      : html`<input type="hidden" name="workspace" value="${values.workspace ?? ""}">`
  }
  <div class="field">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" required autocomplete="username" value="${values.email ?? ""}"${describedBy(errors, "email")}>
    ${appFieldError(errors, "email")}
  </div>
  <div class="field">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required autocomplete="current-password"${describedBy(errors, "password")}>
    ${appFieldError(errors, "password")}
  </div>
  <button type="submit" class="primary">Sign in</button>
</form>`;
}

/** With one workspace (the usual self-hosted case) nobody has to type its slug. */
async function onlyWorkspaceSlug(ctx: AppContext): Promise<string | undefined> {
  const rows = await ctx.database.db.selectFrom("workspaces").select("slug").limit(2).execute();
  return rows.length === 1 ? rows[0]?.slug : undefined;
}

const notFoundPage = (reply: FastifyReply) =>
  sendPublicAppPage(reply, {
    title: "Not found",
    status: 404,
    main: html`<h1>Page not found</h1><p><a href="/app">Go to the app</a></p>`,
  });

export const appPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await app.register(formbody, { bodyLimit: 64 * 1024 });

    app.get("/", async (_req, reply) =>
      reply.redirect((await countWorkspaces(ctx)) === 0 ? "/setup" : "/app", 303),
    );

    // --- first run ---------------------------------------------------------------------------

    app.get("/setup", async (_req, reply) => {
      if ((await countWorkspaces(ctx)) > 0) return notFoundPage(reply);
      return sendPublicAppPage(reply, { title: "Set up Portico", main: setupForm({}) });
    });

    app.post("/setup", async (req, reply) => {
      if ((await countWorkspaces(ctx)) > 0) return notFoundPage(reply);
      const values: SetupValues = {
        name: formString(req.body, "name") ?? "",
        slug: (formString(req.body, "slug") ?? "").trim().toLowerCase(),
        "admin.name": formString(req.body, "admin.name") ?? "",
        "admin.email": (formString(req.body, "admin.email") ?? "").trim(),
      };
      const password = formString(req.body, "admin.password") ?? "";
      try {
        const { workspace } = await createWorkspaceWithAdmin(
          ctx,
          systemActor("first-run setup"),
          {
            name: values.name as string,
            slug: values.slug as string,
            admin: {
              name: values["admin.name"] as string,
              email: values["admin.email"] as string,
              password,
              role: "admin",
            },
          },
          { onlyIfFirst: true },
        );
        const s = await signIn(ctx, {
          workspace: workspace.slug,
          email: values["admin.email"] as string,
          password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        reply.setCookie(SESSION_COOKIE, s.token, sessionCookieOptions(ctx, new Date(s.expiresAt)));
        return reply.redirect("/app/settings?welcome=1", 303);
      } catch (err) {
        if (err instanceof AppError && err.code === "setup_done") return notFoundPage(reply);
        if (err instanceof AppError && err.status < 500) {
          return sendPublicAppPage(reply, {
            title: "Set up Portico",
            status: err.status,
            main: setupForm(values, err.fields, err.fields ? undefined : err.message),
          });
        }
        throw err;
      }
    });

    // --- accepting an invitation: the link in the email sets the agent's password -------------

    const invitePage = (
      reply: FastifyReply,
      token: string,
      inv: Invitation,
      errors?: FieldErrors,
      status = 200,
    ) =>
      sendPublicAppPage(reply, {
        title: "Choose your password",
        status,
        main: html`<h1>Welcome, ${inv.agentName}</h1>
<p>Choose a password to sign in to ${inv.workspace.name} as <strong>${inv.email}</strong>.</p>
${appErrorSummary(errors)}
<form method="post" action="/app/invite" novalidate class="card">
  <input type="hidden" name="t" value="${token}">
  <div class="field"><label for="password">Password</label><p class="hint" id="password-hint">At least ${PASSWORD_MIN} characters.</p><input id="password" name="password" type="password" required autocomplete="new-password" minlength="${PASSWORD_MIN}"${describedBy(errors, "password", "password-hint")}>${appFieldError(errors, "password")}</div>
  <button type="submit">Save and sign in</button>
</form>`,
      });
    const inviteGone = (reply: FastifyReply, message: string) =>
      sendPublicAppPage(reply, {
        title: "Invitation not valid",
        status: 404,
        main: html`<h1>This link does not work any more</h1><p>${message}</p><p><a href="/app/sign-in">Sign in</a></p>`,
      });

    app.get<{ Querystring: { t?: string } }>("/app/invite", async (req, reply) => {
      try {
        const inv = await findInvitation(ctx, req.query.t);
        return invitePage(reply, req.query.t as string, inv);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return inviteGone(reply, err.message);
        throw err;
      }
    });

    app.post("/app/invite", async (req, reply) => {
      const token = formString(req.body, "t") ?? "";
      const password = formString(req.body, "password") ?? "";
      try {
        const inv = await acceptInvitation(ctx, token, password);
        const s = await signIn(ctx, {
          workspace: inv.workspace.slug,
          email: inv.email,
          password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        reply.setCookie(SESSION_COOKIE, s.token, sessionCookieOptions(ctx, new Date(s.expiresAt)));
        return reply.redirect("/app", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return inviteGone(reply, err.message);
        if (err instanceof AppError && err.status === 400 && err.fields) {
          return invitePage(reply, token, await findInvitation(ctx, token), err.fields, 400);
        }
        throw err;
      }
    });

    // --- signing in and out ------------------------------------------------------------------

    app.get<{ Querystring: { next?: string; signedOut?: string } }>("/app/sign-in", async (req, reply) => {
      const session = await resolveSession(ctx, req.cookies[SESSION_COOKIE]);
      if (session) return reply.redirect(safeNext(req.query.next), 303);
      const only = await onlyWorkspaceSlug(ctx);
      return sendPublicAppPage(reply, {
        title: "Sign in",
        main: signInForm(
          { workspace: only, next: safeNext(req.query.next) },
          { askWorkspace: !only, ...(req.query.signedOut ? { notice: "You are signed out." } : {}) },
        ),
      });
    });

    app.post("/app/sign-in", async (req, reply) => {
      const values = {
        workspace: (formString(req.body, "workspace") ?? "").trim().toLowerCase(),
        email: (formString(req.body, "email") ?? "").trim(),
        next: safeNext(formString(req.body, "next")),
      };
      const password = formString(req.body, "password") ?? "";
      const askWorkspace = !(await onlyWorkspaceSlug(ctx));
      const again = (status: number, errors?: FieldErrors, message?: string) =>
        sendPublicAppPage(reply, {
          title: "Sign in",
          status,
          main: signInForm(values, {
            askWorkspace,
            ...(errors ? { errors } : {}),
            ...(message ? { message } : {}),
          }),
        });
      const missing: FieldErrors = {};
      if (!values.workspace) missing.workspace = "is required";
      if (!values.email) missing.email = "is required";
      if (!password) missing.password = "is required";
      if (Object.keys(missing).length) return again(400, missing);
      try {
        const s = await signIn(ctx, {
          ...values,
          password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        reply.setCookie(SESSION_COOKIE, s.token, sessionCookieOptions(ctx, new Date(s.expiresAt)));
        return reply.redirect(values.next, 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          if (err.headers) reply.headers(err.headers);
          return again(err.status, undefined, err.message);
        }
        throw err;
      }
    });

    // --- the signed-in tree --------------------------------------------------------------------

    await app.register(
      async (tree) => {
        tree.decorateRequest("session", null);
        tree.decorateRequest("sessionToken", null);
        tree.addHook("onRequest", async (req, reply) => {
          const token = req.cookies[SESSION_COOKIE];
          const session = await resolveSession(ctx, token);
          if (!session || !token) {
            const next = req.method === "GET" ? req.url : "/app";
            return reply.redirect(`/app/sign-in?next=${encodeURIComponent(next)}`, 303);
          }
          req.session = session;
          req.sessionToken = token;
        });
        // Every write carries the session's CSRF token, as a form field or (from app.js) a header.
        tree.addHook("preHandler", async (req: FastifyRequest, reply) => {
          if (req.method === "GET" || req.method === "HEAD") return;
          const given = formString(req.body, "_csrf") ?? req.headers["x-csrf-token"];
          if (typeof given !== "string" || !safeEqual(given, csrfTokenFor(req.sessionToken as string))) {
            return sendAppPage(req, reply, {
              title: "Please try again",
              status: 403,
              main: html`<h1>That form had expired</h1><p>Nothing was changed. Go back, reload the page and try again.</p>`,
            });
          }
        });

        tree.post("/sign-out", async (req, reply) => {
          await signOut(ctx, req.sessionToken as string);
          reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(ctx, new Date(0)));
          return reply.redirect("/app/sign-in?signedOut=1", 303);
        });

        await tree.register(ticketPages(ctx));
        await tree.register(settingsPages(ctx), { prefix: "/settings" });
        await tree.register(outboxPages(ctx), { prefix: "/outbox" });
        await tree.register(kbPages(ctx), { prefix: "/kb" });

        tree.setErrorHandler((err, req, reply) => {
          if (err instanceof AppError && err.status < 500) {
            if (err.headers) reply.headers(err.headers);
            return sendAppPage(req, reply, {
              title: err.status === 404 ? "Not found" : "That did not work",
              status: err.status,
              main:
                err.status === 404
                  ? html`<h1>Not found</h1><p>It may have been moved, or it is not in this workspace. <a href="/app">Back to the queue</a></p>`
                  : html`<h1>That did not work</h1><p>${err.message}</p><p><a href="/app">Back to the queue</a></p>`,
            });
          }
          req.log.error({ err }, "unhandled error");
          return sendAppPage(req, reply, {
            title: "Something went wrong",
            status: 500,
            main: html`<h1>Something went wrong on our side</h1><p>Go back and try again. If it keeps happening, tell your administrator and quote request ${req.id}.</p>`,
          });
        });

        tree.setNotFoundHandler((req, reply) =>
          sendAppPage(req, reply, {
            title: "Not found",
            status: 404,
            main: html`<h1>Not found</h1><p>It may have been moved, or it is not in this workspace. <a href="/app">Back to the queue</a></p>`,
          }),
        );
      },
      { prefix: "/app" },
    );
  };
