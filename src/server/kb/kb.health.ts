import { systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { absoluteUrl, enqueueEmail, type Recipient } from "../email/outbox.ts";
import type { JobHandler } from "../jobs/job-kinds.ts";
import { addDays, localDay, startOfLocalDay } from "../lib/local-dates.ts";
import {
  articleAlertsVisibleTo,
  articleAlertsWritableBy,
  articleHealthDeletableBy,
  articleHealthVisibleTo,
} from "../surveys/survey.access.ts";
import { type SurveySettings, surveySettingsOf } from "../surveys/survey-settings.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { articlesVisibleTo } from "./kb.access.ts";

// The daily check of knowledge-base articles (job kind kb_health, one a workspace a day). For
// each published article it writes the day's row of kb_article_health: the votes of the last
// WINDOW_DAYS days up to the end of that local day, counting only votes cast since the article
// was last edited (a "No" on an earlier text says nothing of the rewrite), and whether the "No"
// rate is over the workspace's threshold: at least kb_min_votes votes and strictly more than
// kb_no_rate_pct % "No" (30 % is not over, 31 % is). When the last kb_no_days daily rows are all
// over, the article's owner (or, without an active one, the admins) gets one "Article needs
// improvement" email and the article gets an alert row. It is not sent again while the alert
// stands: only an edit (updated_at differs from the alert's) or a recovery (a day not over sets
// recovered_at) re-arms it, and then a new run of kb_no_days days is needed (after an edit,
// counted from the day of the edit).

/** The trailing window of votes each day's row counts. */
export const WINDOW_DAYS = 30;
/** Daily rows older than this many days are pruned. */
export const KEEP_DAYS = 60;
/** How many recent "No" comments the email quotes. */
const COMMENTS_MAX = 10;

interface ArticleRow {
  id: string;
  title: string;
  author_id: string | null;
  updated_at: string;
}

export interface DayHealth {
  articleId: string;
  votes: number;
  noVotes: number;
  over: boolean;
}

/** Over the threshold: enough votes and strictly more than the percentage of "No". */
export const isOver = (
  votes: number,
  noVotes: number,
  s: Pick<SurveySettings, "kb_min_votes" | "kb_no_rate_pct">,
) => votes > 0 && votes >= s.kb_min_votes && noVotes * 100 > s.kb_no_rate_pct * votes;

export const kbHealthJob: JobHandler = {
  async run(ctx, job) {
    if (!job.workspace_id) return "skipped";
    const ws = await ctx.database.db
      .selectFrom("workspaces")
      .selectAll()
      .where("id", "=", job.workspace_id)
      .executeTakeFirst();
    if (!ws) return "skipped";
    const day = localDay(new Date(job.run_at), ws.time_zone);
    const n = await checkArticleHealth(ctx, ws, day);
    return n > 0 ? "done" : "skipped";
  },
};

/** Writes the day's rows, alerts and recoveries for one workspace; answers how many articles it saw. */
export async function checkArticleHealth(ctx: AppContext, ws: Workspace, day: string): Promise<number> {
  const db = ctx.database.db;
  const actor = systemActorIn("knowledge-base health", ws.id);
  const settings = await surveySettingsOf(ctx, ws.id);
  const articles: ArticleRow[] = await articlesVisibleTo(db, actor)
    .select(["a.id", "a.title", "a.author_id", "a.updated_at"])
    .where("a.status", "=", "published")
    .orderBy("a.id")
    .execute();
  await articleHealthDeletableBy(db, actor)
    .where("kb_article_health.day", "<", addDays(day, -KEEP_DAYS))
    .execute();
  if (!articles.length) return 0;

  const health = await dayHealth(ctx, ws, articles, day, settings);
  const now = ctx.now().toISOString();
  for (const h of health) {
    await db
      .insertInto("kb_article_health")
      .values({
        workspace_id: ws.id,
        article_id: h.articleId,
        day,
        votes: h.votes,
        no_votes: h.noVotes,
        over: h.over,
      })
      .onConflict((oc) =>
        oc.columns(["article_id", "day"]).doUpdateSet({ votes: h.votes, no_votes: h.noVotes, over: h.over }),
      )
      .execute();
  }

  // The run of days ending today: every one of the last kb_no_days rows over, each counted
  // only from the day of the article's last edit (rows before it judged the earlier text).
  const days = Math.max(1, settings.kb_no_days);
  const overRows = await articleHealthVisibleTo(db, actor)
    .select(["kb_article_health.article_id", "kb_article_health.day"])
    .where("kb_article_health.day", ">=", addDays(day, -(days - 1)))
    .where("kb_article_health.day", "<=", day)
    .where("kb_article_health.over", "=", true)
    .execute();
  const editedOn = new Map(articles.map((a) => [a.id, localDay(new Date(a.updated_at), ws.time_zone)]));
  const runOf = new Map<string, number>();
  for (const r of overRows) {
    if (r.day < (editedOn.get(r.article_id) ?? "")) continue;
    runOf.set(r.article_id, (runOf.get(r.article_id) ?? 0) + 1);
  }
  const alerts = new Map(
    (await articleAlertsVisibleTo(db, actor).selectAll().execute()).map((a) => [a.article_id, a]),
  );
  const byId = new Map(health.map((h) => [h.articleId, h]));

  for (const article of articles) {
    const h = byId.get(article.id);
    const alert = alerts.get(article.id);
    if (!h) continue;
    if (!h.over) {
      // Recovered: the next run of bad days alerts again.
      if (alert && alert.recovered_at === null) {
        await articleAlertsWritableBy(db, actor)
          .set({ recovered_at: now })
          .where("kb_article_alerts.article_id", "=", article.id)
          .where("kb_article_alerts.recovered_at", "is", null)
          .execute();
      }
      continue;
    }
    if ((runOf.get(article.id) ?? 0) < days) continue;
    const standing = alert && alert.recovered_at === null && alert.article_updated_at === article.updated_at;
    if (standing) continue;
    await db.transaction().execute(async (tx) => {
      // Written only where no alert stands for this text: a concurrent or repeated run finds it and stops.
      const r = await tx
        .insertInto("kb_article_alerts")
        .values({
          article_id: article.id,
          workspace_id: ws.id,
          article_updated_at: article.updated_at,
          alerted_at: now,
          recovered_at: null,
        })
        .onConflict((oc) =>
          oc
            .column("article_id")
            .doUpdateSet({ article_updated_at: article.updated_at, alerted_at: now, recovered_at: null })
            .where((eb) =>
              eb.or([
                eb("kb_article_alerts.recovered_at", "is not", null),
                eb("kb_article_alerts.article_updated_at", "!=", article.updated_at),
              ]),
            ),
        )
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return;
      await sendAlert(ctx, tx, ws, article, h, day, days);
    });
  }
  return articles.length;
}

/** The instant the vote window of `day` starts for an article: 30 days back, or its last edit. */
function windowStart(ws: Workspace, day: string, article: ArticleRow): string {
  const from = startOfLocalDay(addDays(day, -(WINDOW_DAYS - 1)), ws.time_zone).toISOString();
  return article.updated_at.localeCompare(from) > 0 ? article.updated_at : from;
}

async function dayHealth(
  ctx: AppContext,
  ws: Workspace,
  articles: ArticleRow[],
  day: string,
  settings: SurveySettings,
): Promise<DayHealth[]> {
  const until = startOfLocalDay(addDays(day, 1), ws.time_zone).toISOString();
  const earliest = startOfLocalDay(addDays(day, -(WINDOW_DAYS - 1)), ws.time_zone).toISOString();
  // One read of the window's votes; each article's own start (its last edit) is applied below.
  const votes = await ctx.database.db
    .selectFrom("kb_feedback")
    .select(["article_id", "helpful", "created_at"])
    .where("workspace_id", "=", ws.id)
    .where("created_at", ">=", earliest)
    .where("created_at", "<", until)
    .execute();
  const byArticle = new Map<string, { helpful: unknown; created_at: string }[]>();
  for (const v of votes) {
    const list = byArticle.get(v.article_id) ?? [];
    list.push(v);
    byArticle.set(v.article_id, list);
  }
  return articles.map((a) => {
    const from = windowStart(ws, day, a);
    const mine = (byArticle.get(a.id) ?? []).filter((v) => v.created_at >= from);
    const noVotes = mine.filter((v) => !v.helpful).length;
    return { articleId: a.id, votes: mine.length, noVotes, over: isOver(mine.length, noVotes, settings) };
  });
}

/** The article's author while active; else the workspace's active admins. */
async function ownersOf(tx: Tx, ws: Workspace, authorId: string | null): Promise<Recipient[]> {
  if (authorId) {
    const author = await tx
      .selectFrom("agents")
      .select(["email", "name"])
      .where("workspace_id", "=", ws.id)
      .where("id", "=", authorId)
      .where("active", "=", true)
      .executeTakeFirst();
    if (author) return [{ address: author.email, name: author.name }];
  }
  const admins = await tx
    .selectFrom("agents")
    .select(["email", "name"])
    .where("workspace_id", "=", ws.id)
    .where("role", "=", "admin")
    .where("active", "=", true)
    .orderBy("email")
    .execute();
  return admins.map((a) => ({ address: a.email, name: a.name }));
}

async function sendAlert(
  ctx: AppContext,
  tx: Tx,
  ws: Workspace,
  article: ArticleRow,
  h: DayHealth,
  day: string,
  days: number,
) {
  const until = startOfLocalDay(addDays(day, 1), ws.time_zone).toISOString();
  const comments = await tx
    .selectFrom("kb_feedback")
    .select("comment")
    .where("workspace_id", "=", ws.id)
    .where("article_id", "=", article.id)
    .where("helpful", "=", false)
    .where("comment", "is not", null)
    .where("created_at", ">=", windowStart(ws, day, article))
    .where("created_at", "<", until)
    .orderBy("created_at", "desc")
    .limit(COMMENTS_MAX)
    .execute();
  await enqueueEmail(ctx, tx, {
    kind: "kb_article_alert",
    params: {
      brand: brandingOf(ws),
      title: article.title,
      noRatePct: Math.round((h.noVotes / h.votes) * 100),
      votes: h.votes,
      noVotes: h.noVotes,
      days,
      windowDays: WINDOW_DAYS,
      comments: comments.map((c) => (c.comment ?? "").slice(0, 500)),
      url: absoluteUrl(ctx, `/app/kb/articles/${article.id}`),
    },
    ws,
    audience: "agent",
    to: await ownersOf(tx, ws, article.author_id),
    autoSubmitted: true,
  });
}
