// The words of the seeded tickets and of the measured submissions.

/** About 10% of the seeded tickets mention it; the queue's search looks for it. */
export const SEARCH_TERM = "invoice";

export const PRODUCTS = [
  "printer",
  "laptop",
  "invoice",
  "account",
  "password",
  "router",
  "dashboard",
  "mobile app",
  "export",
  "calendar",
  "mailbox",
  "billing page",
  "subscription",
  "webhook",
  "report",
  "vpn",
  "scanner",
  "licence",
  "backup",
  "checkout",
];
export const PROBLEMS = [
  "is not working",
  "keeps crashing",
  "shows an error",
  "is very slow",
  "cannot be found",
  "needs an update",
  "was charged twice",
  "will not sync",
  "stopped after the upgrade",
  "has the wrong totals",
];
export const SENTENCES = [
  "It started yesterday morning and the whole team is affected.",
  "We tried restarting it twice, without any change.",
  "Could you please look into this as soon as possible?",
  "The error message says something about a timeout.",
  "This happens only on some machines in the office.",
  "Our customers have started to notice it.",
  "I attached nothing, but can send screenshots if needed.",
  "It worked fine last week before the update.",
  "Thanks in advance for your help.",
  "Is there a workaround we can use in the meantime?",
];
