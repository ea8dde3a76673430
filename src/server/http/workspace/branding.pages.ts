import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import type { BrandAssetKind } from "../../db/schema.portal.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { sanitizeCustomCss } from "../../lib/css-sanitize.ts";
import { formString, formText } from "../../web/forms.ts";
import { removeBrandAsset, uploadBrandAsset } from "../../workspaces/brand-assets.ts";
import { isFontKey } from "../../workspaces/brand-fonts.ts";
import { BRAND_ASSET_KINDS, type Workspace } from "../../workspaces/workspace.branding.ts";
import { BRAND_NAME_MAX, getWorkspace, updateBranding } from "../../workspaces/workspace.service.ts";
import { portalPreview } from "../public/submit.views.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { multipartFileOf, multipartUploads } from "../shared/multipart-upload.ts";
import { formValidator } from "../shared/validation.ts";
import {
  BRANDING_FIELDS,
  BRANDING_NOTICES,
  type BrandingState,
  type BrandingValues,
  brandingMain,
  brandingValues,
} from "./branding.views.ts";
import { sendAppPage } from "./layout.ts";
import { BrandingPatchBody } from "./workspace.schemas.ts";

// /app/settings/branding (registered under /app/settings): the portal's look, its brand images
// (one multipart form each, read as a stream) and /app/settings/preview, the submit page with
// unsaved values that the page frames. The form passes the JSON API's own body schema first.

const checkBranding = formValidator(BrandingPatchBody);
const isKind = (k: string): k is BrandAssetKind => (BRAND_ASSET_KINDS as readonly string[]).includes(k);

export const brandingPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
    const show = async (req: FastifyRequest, reply: FastifyReply, st: BrandingState = {}) => {
      const s = req.session as SessionInfo;
      const ws = await getWorkspace(ctx, s.actor);
      return sendAppPage(req, reply, {
        title: "Branding",
        section: "settings",
        status: st.status ?? 200,
        main: brandingMain(req, ws, s.agent.role === "admin", st),
      });
    };

    app.get<{ Querystring: { saved?: string } }>("/branding", async (req, reply) => {
      const notice = BRANDING_NOTICES[req.query.saved ?? ""];
      return show(req, reply, notice ? { notice } : {});
    });

    // The portal's submit page with unsaved branding, framed by the branding page only. As the
    // admin types, the page posts its form here (custom CSS has lines and up to 20 KB).
    const preview = async (req: FastifyRequest, reply: FastifyReply, q: Record<string, unknown>) => {
      const ws = await getWorkspace(ctx, actorOf(req));
      const given = (k: string) => (typeof q[k] === "string" ? (q[k] as string) : undefined);
      const text = (v: string | undefined, max: number) => (v ?? "").trim().slice(0, max) || null;
      const colour = (v: string | undefined) => (/^#[0-9a-fA-F]{6}$/.test(v ?? "") ? (v as string) : null);
      const css = given("customCss");
      const cleaned = css === undefined ? null : sanitizeCustomCss(css);
      const draft: Workspace = {
        ...ws,
        brand_name: text(given("brandName"), BRAND_NAME_MAX),
        primary_color: colour(given("primaryColor")),
        secondary_color: colour(given("secondaryColor")),
        font: isFontKey(given("font")) ? (given("font") as string) : null,
        // No CSS given, or CSS that does not pass, shows the saved CSS.
        custom_css: cleaned?.ok ? cleaned.css || null : ws.custom_css,
        support_email: text(given("supportEmail"), 254),
      };
      const nonce = newNonce();
      return sendHtml(reply, portalPreview(draft, nonce), { kind: "page", nonce, framing: "self" });
    };
    app.get<{ Querystring: Record<string, string | undefined> }>("/preview", (req, reply) =>
      preview(req, reply, req.query),
    );
    app.post("/preview", (req, reply) => preview(req, reply, (req.body ?? {}) as Record<string, unknown>));

    app.post("/branding", async (req, reply) => {
      // Fields the form did not send stay as they are; an empty one resets to the default.
      const sent = Object.fromEntries(
        BRANDING_FIELDS.flatMap((f) => {
          const v = f === "customCss" ? formText(req.body, f) : formString(req.body, f);
          return formString(req.body, f) === undefined ? [] : [[f, v ?? ""]];
        }),
      ) as Partial<BrandingValues>;
      const patch: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(sent)) {
        const value = k === "brandName" || k === "customCss" ? v : v.trim();
        patch[k] = value.trim() ? value : null;
      }
      const ws = await getWorkspace(ctx, actorOf(req));
      try {
        const errors = checkBranding(patch);
        if (errors) throw validationFailed(errors);
        await updateBranding(ctx, actorOf(req), patch);
        return reply.redirect("/app/settings/branding?saved=saved", 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 403) {
          return show(req, reply, {
            values: { ...brandingValues(ws), ...sent },
            errors: err.fields ?? { brandName: err.message },
            status: err.status,
          });
        }
        throw err;
      }
    });

    app.post<{ Params: { image: string } }>("/branding/images/:image/remove", async (req, reply) => {
      const kind = req.params.image;
      if (!isKind(kind)) return reply.callNotFound();
      await removeBrandAsset(ctx, actorOf(req), kind);
      return reply.redirect("/app/settings/branding?saved=removed#images", 303);
    });

    // The upload forms: multipart, the file's bytes streamed to the checks.
    await app.register(async (uploads) => {
      multipartUploads(uploads);
      uploads.post<{ Params: { image: string } }>("/branding/images/:image", async (req, reply) => {
        const kind = req.params.image;
        if (!isKind(kind)) return reply.callNotFound();
        try {
          const file = multipartFileOf(req);
          if (!file) throw new AppError(400, "validation_failed", "Choose an image to upload.");
          await uploadBrandAsset(ctx, actorOf(req), kind, { body: file.stream });
          return reply.redirect(`/app/settings/branding?saved=${kind}#images`, 303);
        } catch (err) {
          if (err instanceof AppError && err.status < 500 && err.status !== 403) {
            return show(req, reply, { imageErrors: { [kind]: err.message }, status: err.status });
          }
          throw err;
        }
      });
    });
  };
