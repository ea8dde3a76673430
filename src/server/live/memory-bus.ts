import type { LiveBus, LiveEvent } from "../ports.ts";

// The live bus of one process: listeners hear events synchronously-after (a microtask later), so
// a publisher's own work never waits on, or fails with, a slow or broken listener.

export class MemoryLiveBus implements LiveBus {
  private readonly listeners = new Set<(event: LiveEvent) => void>();

  publish(event: LiveEvent): void {
    for (const listener of this.listeners) {
      queueMicrotask(() => {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own (a closed connection); the others still hear.
        }
      });
    }
  }

  /** For a bus that receives from elsewhere (Redis): hand an event to this process's listeners. */
  deliver(event: LiveEvent): void {
    this.publish(event);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
