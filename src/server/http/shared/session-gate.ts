import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { safeEqual } from "../../auth/tokens.ts";
import { AppError } from "../../errors.ts";
import { formString } from "../../web/forms.ts";

// The shape of every gate in front of a signed-in tree (agents: workspace/gate.ts; customers:
// portal/gate.ts): a live session from the tree's cookie, and on every write the CSRF token
// derived from that session. Registered once per tree, with no exemptions inside.

/** How a tree answers a request its gate refuses, and where its writes carry the CSRF token. */
export interface GateAnswers {
  /** No live session (or one of another workspace). */
  unauthenticated(req: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply>;
  /** A write without its session's CSRF token. */
  csrfFailed(req: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply>;
  /**
   * Pages: the token comes as the `_csrf` field of a form (or the header), judged once the form
   * is parsed. The JSON API: in the X-CSRF-Token header only, judged before the body is read.
   */
  tokenInForm: boolean;
}

/** The JSON trees' answers: 401 and 403 in the error shape. */
export const JSON_ANSWERS: GateAnswers = {
  unauthenticated: () => {
    throw new AppError(401, "unauthenticated", "Sign in to continue.");
  },
  csrfFailed: () => {
    throw new AppError(
      403,
      "csrf_failed",
      "The request is missing its X-CSRF-Token. Reload the page and try again.",
    );
  },
  tokenInForm: false,
};

export interface SessionGate<S> {
  /** The session behind the request's cookie with its token, or null. */
  resolve(req: FastifyRequest): Promise<{ session: S; token: string } | null>;
  /** Keeps the session on the request for the handlers. */
  admit(req: FastifyRequest, session: S, token: string): void;
  /** The CSRF token the session's writes carry. */
  csrfTokenFor(sessionToken: string): string;
  answers: GateAnswers;
  /**
   * A request admitted without the cookie (the agents' JSON API: an API key), or false to go on
   * to the cookie; it throws when it refuses. Such a request carries no cookie to forge, so it
   * needs no CSRF token.
   */
  admitWithoutCookie?(req: FastifyRequest): Promise<boolean>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Puts the gate in front of every route of `tree` (and of the trees it registers). */
export function addSessionGate<S>(tree: FastifyInstance, gate: SessionGate<S>): void {
  const { answers } = gate;
  // The admitted session's token, for the check after the form is parsed.
  const admitted = new WeakMap<FastifyRequest, string>();
  const csrfHolds = (req: FastifyRequest, given: unknown) => {
    const token = admitted.get(req);
    return token !== undefined && typeof given === "string" && safeEqual(given, gate.csrfTokenFor(token));
  };

  tree.addHook("onRequest", async (req, reply) => {
    if (gate.admitWithoutCookie && (await gate.admitWithoutCookie(req))) return;
    const found = await gate.resolve(req);
    if (!found) return answers.unauthenticated(req, reply);
    gate.admit(req, found.session, found.token);
    admitted.set(req, found.token);
    if (
      !answers.tokenInForm &&
      !SAFE_METHODS.has(req.method) &&
      !csrfHolds(req, req.headers["x-csrf-token"])
    ) {
      return answers.csrfFailed(req, reply);
    }
  });
  if (answers.tokenInForm) {
    tree.addHook("preValidation", async (req, reply) => {
      if (SAFE_METHODS.has(req.method)) return;
      if (!csrfHolds(req, formString(req.body, "_csrf") ?? req.headers["x-csrf-token"])) {
        return answers.csrfFailed(req, reply);
      }
    });
  }
}
