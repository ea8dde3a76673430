import type { LiveBus, LiveEvent } from "../ports.ts";

// Who has a ticket open, and who is typing on it: heartbeats from the ticket page, kept in memory
// with an expiry and shared over the live bus, so every process knows every agent's. Nothing is
// stored: a process that starts knows the others' within one heartbeat.

export const PRESENCE_STATES = ["viewing", "typing"] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

/** A viewer is gone after this long without a heartbeat (the page sends one every 15 s). */
export const VIEWING_TTL_MS = 40_000;
/** Typing falls back to viewing after this long without a keystroke's heartbeat. */
export const TYPING_TTL_MS = 8_000;

export interface Presence {
  agentId: string;
  name: string;
  state: PresenceState;
  /** Milliseconds this entry stays true without another heartbeat. */
  ttlMs: number;
}

interface Entry {
  name: string;
  viewingUntil: number;
  typingUntil: number;
}

export class PresenceBoard {
  /** workspace id + " " + reference → agent id → entry. */
  readonly #tickets = new Map<string, Map<string, Entry>>();
  readonly #now: () => number;
  readonly #unsubscribe: () => void;

  constructor(bus: LiveBus, now: () => number) {
    this.#now = now;
    this.#unsubscribe = bus.subscribe((event) => this.#hear(event));
  }

  #hear(event: LiveEvent): void {
    if (event.topic !== "presence" || !event.reference) return;
    const d = event.data ?? {};
    if (typeof d.agentId !== "string" || typeof d.name !== "string") return;
    if (d.state !== "viewing" && d.state !== "typing") return;
    this.#record(event.workspaceId, event.reference, d.agentId, d.name, d.state);
  }

  #record(workspaceId: string, reference: string, agentId: string, name: string, state: PresenceState) {
    const key = `${workspaceId} ${reference}`;
    if (this.#tickets.size > 1000) this.#prune();
    let agents = this.#tickets.get(key);
    if (!agents) {
      agents = new Map();
      this.#tickets.set(key, agents);
    }
    const now = this.#now();
    const before = agents.get(agentId);
    agents.set(agentId, {
      name,
      viewingUntil: now + VIEWING_TTL_MS,
      typingUntil: state === "typing" ? now + TYPING_TTL_MS : Math.min(before?.typingUntil ?? 0, now),
    });
  }

  /** A heartbeat: recorded here and said on the bus (after the caller checked the ticket is theirs). */
  beat(
    bus: LiveBus,
    workspaceId: string,
    reference: string,
    who: { agentId: string; name: string },
    state: PresenceState,
  ) {
    this.#record(workspaceId, reference, who.agentId, who.name, state);
    bus.publish({
      workspaceId,
      topic: "presence",
      reference,
      data: {
        agentId: who.agentId,
        name: who.name,
        state,
        ttlMs: state === "typing" ? TYPING_TTL_MS : VIEWING_TTL_MS,
      },
    });
  }

  /** Who else is on the ticket now, expired entries dropped. */
  others(workspaceId: string, reference: string, agentId: string): Presence[] {
    const key = `${workspaceId} ${reference}`;
    const agents = this.#tickets.get(key);
    if (!agents) return [];
    const now = this.#now();
    const out: Presence[] = [];
    for (const [id, e] of agents) {
      if (e.viewingUntil <= now) {
        agents.delete(id);
        continue;
      }
      if (id === agentId) continue;
      const typing = e.typingUntil > now;
      out.push({
        agentId: id,
        name: e.name,
        state: typing ? "typing" : "viewing",
        ttlMs: typing ? e.typingUntil - now : e.viewingUntil - now,
      });
    }
    if (agents.size === 0) this.#tickets.delete(key);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, agents] of this.#tickets) {
      for (const [id, e] of agents) if (e.viewingUntil <= now) agents.delete(id);
      if (agents.size === 0) this.#tickets.delete(key);
    }
  }

  close(): void {
    this.#unsubscribe();
    this.#tickets.clear();
  }
}
