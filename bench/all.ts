// `npm run bench [-- flags]`: the benchmarks in turn. Flags go to run.ts (the HTTP
// benchmark: --skip-browser, --no-save, --keep-data); --help shows every step's help.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const help = args.includes("--help") || args.includes("-h");
const steps: [string, string[]][] = [
  ["run.ts", args],
  ["files.ts", help ? ["--help"] : []],
  ["kb.ts", help ? ["--help"] : []],
  ["portal-settings.ts", help ? ["--help"] : []],
  ["webhooks.ts", help ? ["--help"] : []],
  ["widget-size.ts", help ? ["--help"] : []],
  ["outbox.ts", help ? ["--help"] : []],
  ["long-conversation.ts", help ? ["--help"] : []],
  ["queue-million.ts", help ? ["--help"] : []],
];
for (const [file, stepArgs] of steps) {
  const r = spawnSync(process.execPath, [path.join(here, file), ...stepArgs], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
