import type { Recorder } from "./load.ts";
import type { Settings } from "./settings.ts";

/** What every scenario of bench/run.ts works with: the running Portico and the run so far. */
export interface Stage {
  settings: Settings;
  /** The measurements so far, in order, and whether one was invalid. */
  rec: Recorder;
  /** Portico's base URL (http://127.0.0.1:port) and process id. */
  base: string;
  pid: number | undefined;
  /** The environment Portico runs with (DATA_DIR, DATABASE_URL, …). */
  env: Record<string, string>;
  /** Run at the end, last first, also on Ctrl-C. */
  cleanups: (() => Promise<void>)[];
}
