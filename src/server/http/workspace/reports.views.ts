import type { MonthlyReportData, MonthNumbersData } from "../../insights/monthly-report.schemas.ts";
import { actionsOf, monthLabel } from "../../insights/monthly-report.ts";
import { duration } from "../../insights/report-sections.ts";
import { when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";

// The monthly improvement reports: the list of months, and one report with a heading per section,
// tables with captions (one card per row on a phone, each cell labelled) and the proposed actions
// set apart. Times are <time> elements, shown in the reader's zone by time.js.

const back = html`<p class="meta"><a href="/app/insights">← Insights</a></p>`;

export function reportsListMain(
  items: { month: string; createdAt: string }[],
  build: { csrf: Html; lastMonth: string } | null,
): Html {
  return html`${back}
<h1>Monthly improvement reports</h1>
<p class="hint">On the first of each month: the ticket types with the lowest CSAT, the least helpful articles, detractors' comments, the effort trend and the month's numbers, each with a proposed action.</p>
${
  items.length
    ? html`<ul class="report-list">${items.map(
        (r) =>
          html`<li><a href="/app/insights/reports/${r.month}">${monthLabel(r.month)}</a> <span class="meta">built ${when(r.createdAt)}</span></li>`,
      )}</ul>`
    : html`<p class="meta">No report yet: the first is built on the first of next month.</p>`
}
${
  build
    ? html`<form method="post" action="/app/insights/reports/build" class="card">
  ${build.csrf}
  <p class="hint">Builds the report of ${monthLabel(build.lastMonth)} now, if it is not there yet, and emails it to the leads.</p>
  <button type="submit">Build last month's report now</button>
</form>`
    : ""
}`;
}

const action = (text: string | null) =>
  text ? html`<p class="report-action"><strong>Proposed action:</strong> ${text}</p>` : "";

const pct = (rate: number | null) => (rate === null ? "–" : `${Math.round(rate * 100)}%`);
const num = (n: number | null, digits = 1) => (n === null ? "–" : n.toFixed(digits));
const secs = (s: number | null) => (s === null ? "–" : duration(s));

function section(id: string, title: string, body: Html): Html {
  return html`<section class="card report-section" aria-labelledby="${id}">
  <h2 id="${id}">${title}</h2>
  ${body}
</section>`;
}

function csatSection(r: MonthlyReportData): Html {
  const items = r.csatByType.items;
  return section(
    "csat-title",
    "Ticket types with the lowest CSAT",
    html`${
      items.length
        ? html`<table class="report-table"><caption>Average CSAT (1–5) of the month's ratings by ticket type, lowest first</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Average CSAT</th><th scope="col">Ratings</th></tr></thead>
<tbody>${items.map(
            (t) =>
              html`<tr><th scope="row" data-label="Type">${bdi(t.type)}</th><td data-label="Average CSAT">${t.average.toFixed(1)}</td><td data-label="Ratings">${t.count}</td></tr>`,
          )}</tbody></table>`
        : html`<p class="meta">No CSAT ratings this month.</p>`
    }
${action(r.csatByType.action)}`,
  );
}

function kbSection(r: MonthlyReportData): Html {
  const items = r.kbArticles.items;
  return section(
    "kb-title",
    "Articles found least helpful",
    html`${
      items.length
        ? html`<table class="report-table"><caption>Articles with at least ${r.kbArticles.minVotes} votes this month, by share of “No”</caption>
<thead><tr><th scope="col">Article</th><th scope="col">“No”</th><th scope="col">Votes</th><th scope="col">Readers' comments</th></tr></thead>
<tbody>${items.map(
            (
              a,
            ) => html`<tr><th scope="row" data-label="Article"><a href="/app/kb/articles/${a.articleId}">${bdi(a.title)}</a></th>
<td data-label="“No”">${pct(a.noRate)}</td><td data-label="Votes">${a.noVotes} of ${a.votes}</td>
<td data-label="Comments">${
              a.comments.length
                ? html`<ul class="report-comments">${a.comments.map((c) => html`<li>“${c.comment}” <span class="meta">${when(c.createdAt)}</span></li>`)}</ul>`
                : html`<span class="meta">None</span>`
            }</td></tr>`,
          )}</tbody></table>`
        : html`<p class="meta">No article had enough votes with a “No” this month.</p>`
    }
${action(r.kbArticles.action)}`,
  );
}

function detractorSection(r: MonthlyReportData): Html {
  const d = r.detractors;
  return section(
    "detractors-title",
    "Detractors' comments",
    html`${
      d.items.length
        ? html`<table class="report-table"><caption>${d.count} NPS ${d.count === 1 ? "answer" : "answers"} at or below the detractor line this month${d.items.length < d.count ? `, the newest ${d.items.length} listed` : ""}</caption>
<thead><tr><th scope="col">Contact</th><th scope="col">Company</th><th scope="col">Score</th><th scope="col">Comment</th><th scope="col">Answered</th></tr></thead>
<tbody>${d.items.map(
            (
              x,
            ) => html`<tr><th scope="row" data-label="Contact"><a href="/app/contacts/${x.contactId}">${bdi(x.contactName ?? "Unknown contact")}</a></th>
<td data-label="Company">${x.companyId ? html`<a href="/app/companies/${x.companyId}">${bdi(x.companyName ?? "Unknown company")}</a>` : "–"}</td>
<td data-label="Score">${x.score}</td><td data-label="Comment">${x.comment ? html`“${x.comment}”` : html`<span class="meta">No comment</span>`}</td>
<td data-label="Answered">${when(x.answeredAt)}</td></tr>`,
          )}</tbody></table>`
        : html`<p class="meta">No detractors this month.</p>`
    }
${action(d.action)}`,
  );
}

function cesSection(r: MonthlyReportData): Html {
  const c = r.ces;
  return section(
    "ces-title",
    "Customer effort (CES) trend",
    html`<p>${
      c.declining
        ? html`<strong>Declining:</strong> lower than the month before, and falling over the last three months.`
        : "Not declining."
    }</p>
<table class="report-table"><caption>Average CES (1–7, higher is easier) per month, the last ${c.months.length} months</caption>
<thead><tr><th scope="col">Month</th><th scope="col">Average CES</th><th scope="col">Answers</th></tr></thead>
<tbody>${c.months.map(
      (m) =>
        html`<tr><th scope="row" data-label="Month">${monthLabel(m.month)}</th><td data-label="Average CES">${num(m.average)}</td><td data-label="Answers">${m.count}</td></tr>`,
    )}</tbody></table>
${action(c.action)}`,
  );
}

const ROWS: [string, (n: MonthNumbersData) => string][] = [
  ["Tickets created", (n) => String(n.created)],
  ["Tickets resolved", (n) => String(n.resolved)],
  ["Open at the end of the month", (n) => String(n.backlog)],
  ["First response, median", (n) => secs(n.firstResponseMedian)],
  ["Resolution, median", (n) => secs(n.resolutionMedian)],
  ["Deflection rate", (n) => pct(n.deflectionRate)],
  ["CSAT average", (n) => num(n.csatAverage)],
  ["NPS", (n) => num(n.npsScore, 0)],
];

function numbersSection(r: MonthlyReportData): Html {
  const { current, previous, unavailable, actions } = r.numbers;
  return section(
    "numbers-title",
    "Volumes, response times and deflection",
    html`${
      current && previous
        ? html`<table class="report-table"><caption>${monthLabel(r.month)} against the month before</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">This month</th><th scope="col">Last month</th></tr></thead>
<tbody>${ROWS.map(
            ([label, f]) =>
              html`<tr><th scope="row" data-label="Measure">${label}</th><td data-label="This month">${f(current)}</td><td data-label="Last month">${f(previous)}</td></tr>`,
          )}</tbody></table>`
        : html`<p class="meta">${unavailable ?? "Not available."}</p>`
    }
${actions.map((a) => action(a))}`,
  );
}

export function reportMain(r: MonthlyReportData): Html {
  const actions = actionsOf(r);
  return html`<p class="meta"><a href="/app/insights/reports">← All reports</a> · <a href="/app/insights">Insights</a></p>
<h1>Improvement report: ${monthLabel(r.month)}</h1>
<p class="meta">From ${when(r.from)} to ${when(r.to)} (the workspace's time zone, ${r.timeZone}) · built ${when(r.generatedAt)}</p>
${r.empty ? html`<p class="card">Nothing happened this month: no tickets, no survey answers and no article votes.</p>` : ""}
<section class="card report-summary" aria-labelledby="actions-title">
  <h2 id="actions-title">Proposed actions</h2>
  ${
    actions.length
      ? html`<ul>${actions.map((a) => html`<li><strong>${a}</strong></li>`)}</ul>`
      : html`<p class="meta">Nothing stood out this month.</p>`
  }
</section>
${csatSection(r)}
${kbSection(r)}
${detractorSection(r)}
${cesSection(r)}
${numbersSection(r)}`;
}
