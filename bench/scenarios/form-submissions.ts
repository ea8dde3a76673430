import type autocannon from "autocannon";
import { costMeter, fmtCost } from "../lib/cost.ts";
import { fmtInt, fmtMs } from "../lib/format.ts";
import { type Measured, type Raw, runLoad, settle, summarize } from "../lib/load.ts";
import { SLUG } from "../lib/seed.ts";
import type { Stage } from "../lib/stage.ts";
import { PROBLEMS, PRODUCTS, SENTENCES } from "../lib/words.ts";
import { settledTicketCount } from "./submissions.ts";

// Submissions through the HTML form as a browser sends them: GET /portal/{slug}/submit, then POST
// it urlencoded with the hidden fields the page carried (its idempotency key and visit id), every
// pair a new customer. Checked like the JSON submissions: one ticket per confirmation page.

export interface FormSubmissionsResult {
  /** The pairs' answers: rps counts both GETs and POSTs. */
  m: Measured;
  /** Confirmed submissions (POST answered 200 with its reference) per second. */
  submissionsPerSecond: number;
  verified: boolean;
}

const HIDDEN = /<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g;
const REFERENCE = /TKT-\d+/;

/** The POSTs answered so far (a load counted in requests may end a connection between its GET and POST). */
let postsAnswered = 0;

function formRequests(): (references: Set<string> | null) => autocannon.Request[] {
  const runTag = Date.now().toString(36);
  let seq = 0;
  return (references) => [
    {
      method: "GET",
      path: `/portal/${SLUG}/submit`,
      onResponse: (_status, body, context) => {
        context.hidden = [...body.matchAll(HIDDEN)].map((m) => [m[1], m[2]]);
      },
    },
    {
      method: "POST",
      path: `/portal/${SLUG}/submit`,
      setupRequest: (req, context) => {
        const i = ++seq;
        const form = new URLSearchParams((context.hidden as string[][] | undefined) ?? []);
        form.set("name", `Form Customer ${i}`);
        form.set("email", `form-${runTag}-${i}@customer${i % 89}.test`);
        form.set("subject", `The ${PRODUCTS[i % PRODUCTS.length]} ${PROBLEMS[i % PROBLEMS.length]} (${i})`);
        form.set("description", `${SENTENCES[i % SENTENCES.length]} Reference form-${runTag}-${i}.`);
        return {
          ...req,
          headers: { ...req.headers, "content-type": "application/x-www-form-urlencoded" },
          body: form.toString(),
        };
      },
      onResponse: (status, body) => {
        if (references) postsAnswered++;
        const ref = status === 200 ? REFERENCE.exec(body)?.[0] : undefined;
        if (ref) references?.add(ref);
      },
    },
  ];
}

export async function measureFormSubmissions(
  stage: Stage,
  workspaceId: string,
): Promise<FormSubmissionsResult> {
  const { base, settings, env } = stage;
  const c = settings.connections;
  const requests = formRequests();
  process.stdout.write("  submissions through the HTML form (GET + POST) … ");
  let rate = 0;
  if (settings.warmup > 0) {
    const warm = summarize([
      await runLoad({ url: base, connections: c, duration: settings.warmup, requests: requests(null) }),
    ]);
    if (warm.non2xx || warm.errors) stage.rec.failed = true;
    rate = warm.rps / 2;
  }
  await settle(base);
  const before = await settledTicketCount(env, workspaceId);
  const references = new Set<string>();
  postsAnswered = 0;
  const cost = costMeter(stage.pid);
  const batches: Raw[] = [];
  let elapsed = 0;
  // Fixed numbers of requests (pairs: an even amount), so that every POST is answered before counting.
  while (elapsed < settings.duration * 0.95) {
    const pairs = Math.max(c * 2, Math.round(Math.max(rate, 50) * (settings.duration - elapsed)));
    const batch = await runLoad({
      url: base,
      connections: c,
      amount: pairs * 2,
      requests: requests(references),
    });
    batches.push(batch);
    elapsed += batch.seconds;
    rate = batch.ok / 2 / batch.seconds;
  }
  const summed = summarize(batches);
  const m = { ...summed, ...cost(postsAnswered) };
  const after = await settledTicketCount(env, workspaceId);
  const grew = after - before;
  const submissionsPerSecond = references.size / summed.seconds;
  const verified =
    grew === references.size && postsAnswered === references.size && m.non2xx === 0 && m.errors === 0;
  if (!verified) stage.rec.failed = true;
  stage.rec.measured.push({ key: "submit_form", label: "submissions through the form (GET + POST)", m });
  console.log(
    `${fmtInt(submissionsPerSecond)} submissions/s (${fmtInt(m.rps)} req/s), p50 ${fmtMs(m.p50)} ms, p99 ${fmtMs(m.p99)} ms (${fmtCost(m)} per submission)`,
  );
  console.log(
    `  check: tickets ${fmtInt(before)} → ${fmtInt(after)} (+${fmtInt(grew)}), ${fmtInt(references.size)} confirmation pages with distinct references of ${fmtInt(postsAnswered)} POSTs, ${fmtInt(summed.ok)} × 2xx, ${m.non2xx} non-2xx, ${m.errors} errors: ${verified ? "OK" : "FAILED"}`,
  );
  return { m, submissionsPerSecond, verified };
}
