#!/usr/bin/env node
// Portico needs Node 24 (node:sqlite, TypeScript type stripping). npm scripts and npx put the
// pinned Node from the `node` package first on PATH; when this file is started by an older
// system Node, it hands over to that pinned Node.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { constants, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  const pinned = join(root, "node_modules", "node", "bin", "node");
  if (!existsSync(pinned)) {
    console.error(`Portico needs Node.js 24 or newer (this is ${process.version}). Run npm install first.`);
    process.exit(1);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  // A supervisor's SIGTERM reaches the server, which stops gracefully; this process ends with it.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("error", (err) => {
    console.error(`portico: could not start ${pinned}: ${err.message}`);
    process.exitCode = 1;
  });
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  });
} else if (
  process.argv[2] === "serve" &&
  process.platform === "linux" &&
  typeof process.execve === "function" &&
  process.env.PORTICO_NO_REEXEC !== "1" &&
  (process.env.MALLOC_ARENA_MAX === undefined || v8FlagsToSet().length > 0)
) {
  // The server, on Linux: glibc gives each thread that allocates (the mail and checkpoint threads,
  // libuv's pool) a malloc arena of its own, up to eight per core, and each keeps the memory it
  // freed, so resident memory grew burst after burst (bench/README.md, Memory). Two arenas keep
  // it flat. And V8 lets its young generation grow to three 32 MB semi-spaces on a large machine,
  // most of it resident under load: 16 MB each took a burst's highest RSS from about 435 MB to
  // 360-400 MB at the same CPU per request, and shorter pauses. After a full collection V8 lets
  // the old generation grow by a factor it picks (1.1 to 4) before the next one: a fixed 1.5
  // kept a burst's highest RSS at 317-330 MB instead of 360-520 (10,000 tickets), for a few more
  // full collections (the same CPU per request). Read when a process starts, so this process
  // becomes itself again with them: the same pid, flags and arguments. An operator's own
  // MALLOC_ARENA_MAX, --max-semi-space-size or --heap-growing-percent (on the command line) is
  // kept; PORTICO_NO_REEXEC=1 (where a sandbox forbids a process to start itself again) skips it.
  process.execve(
    process.execPath,
    [process.execPath, ...v8FlagsToSet(), ...process.execArgv, ...process.argv.slice(1)],
    {
      ...process.env,
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2",
    },
  );
} else {
  // V8's code cache and the TypeScript already stripped, kept on disk beside the dependencies (or in
  // NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off): later starts are faster and,
  // with every file found there, Node's TypeScript stripper (a WebAssembly module of about 17 MB
  // per thread) is never loaded. Not in the shared temp folder, where another user could plant
  // entries. Handed to the worker threads (mail, thumbnails) through their copy of the environment.
  // Where it cannot be written (a read-only install), Node goes on without it.
  const cache = module.enableCompileCache?.(
    process.env.NODE_COMPILE_CACHE || join(root, "node_modules", ".cache", "portico-compile"),
  );
  if (cache?.directory) process.env.NODE_COMPILE_CACHE = cache.directory;
  await import(join(root, "src", "cli", "portico.ts"));
}

/**
 * The V8 flags `serve` adds, each unless this process was given it (on the command line, or in
 * NODE_OPTIONS where Node allows it there: not --heap-growing-percent): 16 MB semi-spaces, only
 * where V8's own would be larger (V8 sizes them from the memory it may use, a 128th of its old
 * generation, at most 32 MB: below 8 GB, or a smaller container limit, they are 16 MB or less
 * already, and the flag would only raise them); and an old generation that grows by a fixed half
 * of what survived a full collection before the next one.
 */
function v8FlagsToSet() {
  const given = (flag) => {
    const pattern = new RegExp(`^"?--${flag.replaceAll("-", "[-_]")}\\b`);
    return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((a) =>
      pattern.test(a),
    );
  };
  const memory = Math.min(totalmem(), process.constrainedMemory?.() || Number.POSITIVE_INFINITY);
  return [
    ...(!given("max-semi-space-size") && memory >= 8 * 1024 ** 3 ? ["--max-semi-space-size=16"] : []),
    ...(given("heap-growing-percent") ? [] : ["--heap-growing-percent=50"]),
  ];
}
