import type { CustomerHealth, HandoverBody } from "./handover.schemas.ts";

// The one internal note a handover leaves for the agents: the whole conversation as it was
// read (who, when in the workspace's time, what), the steps the assistant tried, its summary and
// the customer's health. Plain text with line breaks: the ticket page shows it as it is.

export interface NoteInput {
  source: string;
  customerName: string;
  transcript: HandoverBody["transcript"];
  attemptedSteps: string[];
  summary: string | undefined;
  conversationId: string | undefined;
  health: CustomerHealth;
  /** The workspace's IANA zone: the times are written in it. */
  timeZone: string;
  /** When the handover arrived: a message without a time of its own is shown at it. */
  at: Date;
}

function clock(timeZone: string) {
  const day = new Intl.DateTimeFormat("en-GB", { timeZone, day: "numeric", month: "short", year: "numeric" });
  const time = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  return { day: (d: Date) => day.format(d), time: (d: Date) => time.format(d) };
}

function healthLines(h: CustomerHealth, day: (d: Date) => string): string[] {
  const open = h.openTickets.count
    ? `${h.openTickets.count}${h.openTickets.newest.length ? ` (${h.openTickets.newest.join(", ")})` : ""}`
    : "none";
  const answer = (a: { score: number; at: string } | null, of: number) =>
    a ? `${a.score}/${of} on ${day(new Date(a.at))}` : "not answered yet";
  const s = h.sentiment;
  const mood =
    s.latest === null
      ? "no messages scored"
      : `latest ${s.latest.toFixed(2)}, average ${s.average?.toFixed(2) ?? "—"}${s.trend ? `, ${s.trend}` : ""}`;
  return [
    `• Open tickets: ${open}`,
    `• Tickets in total: ${h.totalTickets}`,
    `• Last CSAT: ${answer(h.lastCsat, 5)}`,
    `• Last NPS: ${answer(h.lastNps, 10)}`,
    `• Sentiment: ${mood}`,
  ];
}

export function handoverNote(n: NoteInput): string {
  const { day, time } = clock(n.timeZone);
  const lines: string[] = [
    `Handed over by ${n.source}${n.conversationId ? ` (conversation ${n.conversationId})` : ""}. The customer sees only their own messages; this note is for agents.`,
  ];
  if (n.summary) lines.push("", `Summary by ${n.source}:`, n.summary);
  lines.push("", `Conversation (times in ${n.timeZone}):`);
  let lastDay = "";
  for (const m of n.transcript) {
    const at = m.at && !Number.isNaN(Date.parse(m.at)) ? new Date(m.at) : n.at;
    const d = day(at);
    if (d !== lastDay) {
      lines.push("", `— ${d} —`);
      lastDay = d;
    }
    const who = m.from === "customer" ? `${n.customerName} (customer)` : n.source;
    lines.push("", `${time(at)} · ${who}:`, m.text);
  }
  if (n.attemptedSteps.length) {
    lines.push("", `Steps ${n.source} tried:`, ...n.attemptedSteps.map((s) => `• ${s}`));
  }
  lines.push("", "Customer health:", ...healthLines(n.health, day));
  return lines.join("\n");
}
