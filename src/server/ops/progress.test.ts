import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

// interruptSignal in a process of its own: the signals are real, so a second one that fell to
// Node's default handler would end the child before it reports.

test("a second Ctrl-C (the hand-over's forwarded one) still aborts and leaves the clean-up to run", () => {
  // The second SIGINT is sent once the first has aborted; SIGUSR2, sent after it, reports.
  const script = `
    import { interruptSignal } from ${JSON.stringify(new URL("./progress.ts", import.meta.url).href)};
    const signal = interruptSignal();
    // Signal handlers keep no process alive: this does, until the report (or at most 10 s).
    const alive = setTimeout(() => console.log("no signal arrived"), 10_000);
    signal.addEventListener("abort", () => {
      process.kill(process.pid, "SIGINT");
      process.kill(process.pid, "SIGUSR2");
    });
    process.on("SIGUSR2", () => {
      clearTimeout(alive);
      console.log("cleaned up: " + signal.reason.message);
    });
    process.kill(process.pid, "SIGINT");
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(r.signal, null, `ended by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "cleaned up: interrupted");
});
