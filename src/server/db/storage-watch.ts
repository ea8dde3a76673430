import fs from "node:fs/promises";
import path from "node:path";
import { type Outage, outage, outageOf } from "../lib/outage.ts";

// Whether the disk under DATA_DIR takes writes, for /readyz. A SELECT answers on a full or
// read-only disk, so the database's ping alone would say "ready" while every write fails.
// A write that failed for want of room (or on a read-only disk) is recorded; from then on the
// watch is not ready until a probe succeeds: 4 KiB written, fsynced and removed in DATA_DIR.
// With the embedded database the probe also runs by itself (a success is trusted for
// PROBE_EVERY_MS; a failure is asked again at the next check), so a full disk shows before a
// customer meets it.

const PROBE_EVERY_MS = 5_000;
const PROBE_FILE = ".portico-write-probe";

export interface StorageWatch {
  /** Notes a failed write that an outage classified as the disk's (full, read-only, failing). */
  record(outage: Outage | null): void;
  /** Null when the disk takes writes; else why not. Cheap: a good probe holds a few seconds. */
  check(): Promise<Outage | null>;
}

export function storageWatch(dir: string, opts: { probeWithoutFailure: boolean }): StorageWatch {
  let failedAt = Number.NEGATIVE_INFINITY;
  let failure: Outage | null = null;
  let probed: { at: number; result: Outage | null } | null = null;
  let running: Promise<Outage | null> | null = null;

  const probe = async (): Promise<Outage | null> => {
    const file = path.join(dir, PROBE_FILE);
    const started = performance.now();
    let result: Outage | null = null;
    try {
      const fh = await fs.open(file, "w");
      try {
        await fh.write(Buffer.alloc(4096));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rm(file, { force: true });
    } catch (err) {
      await fs.rm(file, { force: true }).catch(() => {});
      const code = (err as { code?: string }).code ?? "probe failed";
      result = outageOf(err) ?? outage("storage_unavailable", code);
    }
    // A failure recorded while the probe ran is newer than what the probe saw.
    if (!result && failedAt <= started) failure = null;
    probed = { at: started, result: result ?? (failedAt > started ? failure : null) };
    return probed.result;
  };

  return {
    record(outage) {
      if (!outage || outage.code === "database_unavailable") return;
      failure = outage;
      failedAt = performance.now();
    },
    async check() {
      if (!failure && !opts.probeWithoutFailure) return null;
      // A good answer holds for a few seconds; a bad one is asked again (it fails fast).
      const last = probed;
      if (last && !last.result && last.at > failedAt && performance.now() - last.at < PROBE_EVERY_MS)
        return null;
      running ??= probe().finally(() => {
        running = null;
      });
      return running;
    },
  };
}
