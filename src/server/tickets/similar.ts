import { formatReference, STATUS_LABELS } from "../../shared/tickets.ts";
import type { CustomerActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { openRequestsVisibleTo } from "./ticket.access.ts";
import { customerStatusOf } from "./ticket.create.ts";
import { searchTerms } from "./ticket.search.ts";

// "A colleague already reported this": while a signed-in customer types a subject, the open
// requests they may see (their own, their company's as its manager, those they are copied in on:
// ticketScope) whose subjects share its words, so a company does not open the same request five
// times. Only the customer's scope is read; the words are matched here, on subjects only.

export const SIMILAR_MAX = 5;
/** The open requests looked at: a company's open requests, newest first. */
const CANDIDATES = 300;

// Words too common to say two requests are about the same thing.
const STOP_WORDS = new Set(
  "the and for with not but are was were has have had can cannot cant does doesnt dont our your you this that from into when what why how any all its it's there their them then than after before about again still just some more very only also out off too get got".split(
    " ",
  ),
);

export interface SimilarRequest {
  reference: string;
  subject: string;
  status: string;
  statusLabel: string;
  /** The first name of who opened it. */
  openedBy: string;
  openedByYou: boolean;
  createdAt: string;
}

/** The words that say what a subject is about: three letters or more, not the commonest ones. */
function topicWords(text: string): string[] {
  return searchTerms(text).filter((w) => [...w].length >= 3 && !STOP_WORDS.has(w));
}

export async function similarOpenRequests(
  ctx: AppContext,
  actor: CustomerActor,
  subject: string,
): Promise<SimilarRequest[]> {
  const typed = topicWords(subject);
  if (typed.length === 0) return [];
  const last = typed.length - 1;
  const rows = await openRequestsVisibleTo(ctx.database.db, actor, CANDIDATES);
  const scored = rows
    .map((r) => {
      const words = new Set(topicWords(r.subject));
      // Every typed word found in the subject counts; the last one may still be being typed.
      let score = 0;
      typed.forEach((w, i) => {
        if (words.has(w) || (i === last && [...words].some((x) => x.startsWith(w)))) score += 1;
      });
      return { r, score };
    })
    // One shared word is enough for a short subject; from three words on, two must be shared.
    .filter((x) => x.score >= (typed.length >= 3 ? 2 : 1));
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, SIMILAR_MAX).map(({ r }) => {
    const status = customerStatusOf(r);
    return {
      reference: formatReference(r.number),
      subject: r.subject,
      status,
      statusLabel: STATUS_LABELS[status],
      openedBy: r.opener_name.trim().split(/\s+/)[0] ?? "",
      openedByYou: r.contact_id === actor.contactId,
      createdAt: r.created_at,
    };
  });
}
