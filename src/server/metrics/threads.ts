import type { Worker } from "node:worker_threads";

// The worker threads running now, by name, so /metrics can say what each one's V8 heap holds
// (a thread's memory is in the process's resident set but not in the main thread's heap figures).
// A thread is listed while it runs: it is left out once it has exited.

const running = new Map<Worker, string>();

/** Lists `worker` under `name` until it exits. */
export function trackThread(name: string, worker: Worker): void {
  running.set(worker, name);
  worker.once("exit", () => running.delete(worker));
}

/** The names of the threads listed now, one per running thread. */
export function runningThreads(): string[] {
  return [...running.values()];
}

/** Each running thread's heap: used and reserved bytes. */
export async function threadHeaps(): Promise<{ name: string; used: number; total: number }[]> {
  const entries = [...running];
  const stats = await Promise.all(entries.map(([worker]) => worker.getHeapStatistics().catch(() => null)));
  return entries.flatMap(([, name], i) => {
    const s = stats[i];
    return s ? [{ name, used: s.used_heap_size, total: s.total_heap_size }] : [];
  });
}
