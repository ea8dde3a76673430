import { Command, CommanderError, Option } from "commander";
import { ConfigError, loadConfig } from "../server/config.ts";
import { AppError } from "../server/errors.ts";
import { migrateDataCommand } from "./migrate-data.command.ts";
import { readPassword } from "./prompt.ts";

// Each command loads what it runs when it runs: `--help`, a typo or a missing option answers at
// once instead of after loading the whole server.

const ENV_HELP = `
Environment:
  PORT            HTTP port (default 3000)
  DATA_DIR        folder for the embedded database (default ./data)
  DATABASE_URL    postgres://… to use PostgreSQL instead of the embedded SQLite file
  DATABASE_WAIT_SECONDS  how long start-up waits for an unreachable database (default 60)
  REDIS_URL       redis://… to share rate limits between processes
  TRUST_PROXY     proxies whose X-Forwarded-For to trust (addresses, CIDRs, "loopback" or a hop count)
  PUBLIC_URL      base URL used in links we hand out, e.g. https://help.example.com
  LOG_LEVEL       fatal, error, warn, info (default), debug, trace or silent`;

async function passwordFrom(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (!process.stdin.isTTY) {
    throw new AppError(
      400,
      "password_required",
      "--admin-password is required when no terminal is attached.",
    );
  }
  const { PASSWORD_MIN } = await import("../server/auth/passwords.ts");
  const first = await readPassword(`Password (at least ${PASSWORD_MIN} characters): `);
  const again = await readPassword("Repeat the password: ");
  if (first !== again) throw new AppError(400, "password_mismatch", "The passwords do not match.");
  return first;
}

function program(): Command {
  const cli = new Command("portico")
    .description("Portico: a self-hosted help desk with a branded customer portal.")
    .addHelpText("after", ENV_HELP)
    .showHelpAfterError()
    .exitOverride();

  cli
    .command("serve")
    .description("Start the web server: applies migrations, then listens on PORT.")
    .option("-p, --port <port>", "port to listen on (overrides PORT)")
    .addHelpText("after", ENV_HELP)
    .action(async (opts: { port?: string }) => {
      const config = loadConfig({ ...process.env, ...(opts.port ? { PORT: opts.port } : {}) });
      const { serve } = await import("../server/main.ts");
      await serve(config);
    });

  cli
    .command("migrate")
    .description("Apply pending database migrations and exit.")
    .addHelpText("after", ENV_HELP)
    .action(async () => {
      const config = loadConfig();
      const { openDatabaseWhenReady } = await import("../server/db/wait.ts");
      const { migrateToLatest } = await import("../server/db/migrate.ts");
      const database = await openDatabaseWhenReady(config, {
        onWait: (message) => console.error(`portico: ${message}`),
      });
      try {
        const { applied } = await migrateToLatest(database.db);
        console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Already up to date.");
      } finally {
        await database.close();
      }
    });

  cli.addCommand(migrateDataCommand(ENV_HELP).copyInheritedSettings(cli));
  cli
    .command("backup")
    .description(
      "Write one archive of the database, the stored files and the key; the server may keep running.",
    )
    .option(
      "-o, --output <path>",
      "the archive's name, or a folder for portico-backup-<time>.tar (default: .)",
    )
    .option("--without-key", "leave DATA_DIR/file-encryption.key out of the archive: you keep it apart")
    .addHelpText(
      "after",
      `
The archive (a tar, readable by its owner only) holds the SQLite database as of one moment,
every stored file it refers to (still encrypted), the key from DATA_DIR/file-encryption.key
(unless --without-key; a key from FILE_ENCRYPTION_KEY is never written) and manifest.json with
each entry's size and SHA-256. With DATABASE_URL, back up PostgreSQL with pg_dump first: the
archive then holds the files and the key. With S3_BUCKET, the files stay in the bucket.
See the README's "Backups".

Example:
  DATA_DIR=/var/lib/portico npx portico backup --output /var/backups/portico/`,
    )
    .action(async (opts: { output?: string; withoutKey?: boolean }) => {
      const config = loadConfig();
      const { createBackup, describeBackup } = await import("../server/ops/backup.ts");
      const { interruptSignal } = await import("../server/ops/progress.ts");
      const result = await createBackup(config, {
        ...(opts.output ? { output: opts.output } : {}),
        withoutKey: Boolean(opts.withoutKey),
        say: (line) => console.error(line),
        signal: interruptSignal(),
      });
      console.log(describeBackup(result));
    });

  cli
    .command("restore")
    .description("Check a backup archive byte by byte, then restore it into a new DATA_DIR.")
    .argument("<archive>", "a file written by portico backup")
    .option("--data-dir <dir>", "the folder to restore into (default: DATA_DIR); it must be empty")
    .option("--force", "restore into a folder that is not empty: what it holds is moved aside, not deleted")
    .addHelpText(
      "after",
      "\nExample:\n  npx portico restore portico-backup-2026-12-06T120000Z.tar --data-dir /var/lib/portico-restored",
    )
    .action(async (archive: string, opts: { dataDir?: string; force?: boolean }) => {
      const config = loadConfig({ ...process.env, ...(opts.dataDir ? { DATA_DIR: opts.dataDir } : {}) });
      const { describeRestore, restoreBackup } = await import("../server/ops/restore.ts");
      const { interruptSignal } = await import("../server/ops/progress.ts");
      const result = await restoreBackup(config, archive, {
        force: Boolean(opts.force),
        say: (line) => console.error(line),
        signal: interruptSignal(),
      });
      for (const line of describeRestore(result)) console.log(line);
    });

  const workspace = cli.command("workspace").description("Manage workspaces.");
  workspace
    .command("create")
    .description("Create a workspace and its first admin.")
    .requiredOption("--slug <slug>", "URL name of the portal, e.g. acme → /portal/acme/submit")
    .requiredOption("--name <name>", 'display name, e.g. "Acme Support"')
    .requiredOption("--admin-email <email>", "email of the first admin")
    .option("--admin-name <name>", "name of the first admin (default: the part of the email before @)")
    .option(
      "--admin-password <password>",
      "password of the first admin (prompted when omitted and a terminal is attached)",
    )
    .addHelpText(
      "after",
      '\nExample:\n  npx portico workspace create --slug acme --name "Acme Support" --admin-email ada@acme.test',
    )
    .action(
      async (opts: {
        slug: string;
        name: string;
        adminEmail: string;
        adminName?: string;
        adminPassword?: string;
      }) => {
        const password = await passwordFrom(opts.adminPassword);
        const config = loadConfig({ ...process.env, LOG_LEVEL: "warn" });
        const { closeContext, createContext } = await import("../server/main.ts");
        const { systemActor } = await import("../server/actors.ts");
        const { createWorkspaceWithAdmin } = await import("../server/workspaces/workspace.service.ts");
        const ctx = await createContext(config);
        try {
          const { workspace: ws, admin } = await createWorkspaceWithAdmin(ctx, systemActor("cli"), {
            slug: opts.slug,
            name: opts.name,
            admin: {
              email: opts.adminEmail,
              name: opts.adminName ?? opts.adminEmail.split("@")[0] ?? opts.adminEmail,
              role: "admin",
              password,
            },
          });
          console.log(`Created workspace "${ws.name}" (${ws.slug}) with admin ${admin.email}.`);
          console.log(`Portal: /portal/${ws.slug}/submit`);
        } finally {
          await closeContext(ctx);
        }
      },
    );

  const agent = cli.command("agent").description("Manage agents.");
  agent
    .command("add")
    .description("Add an agent (or admin) to a workspace.")
    .requiredOption("--workspace <slug>", "the workspace's slug")
    .requiredOption("--email <email>", "the agent's email")
    .option("--name <name>", "the agent's name (default: the part of the email before @)")
    .addOption(new Option("--role <role>", "agent or admin").choices(["agent", "admin"]).default("agent"))
    .option(
      "--password <password>",
      "the agent's password (prompted when omitted and a terminal is attached)",
    )
    .action(
      async (opts: {
        workspace: string;
        email: string;
        name?: string;
        role: "agent" | "admin";
        password?: string;
      }) => {
        const config = loadConfig({ ...process.env, LOG_LEVEL: "warn" });
        const { closeContext, createContext } = await import("../server/main.ts");
        const { systemActor } = await import("../server/actors.ts");
        const { findWorkspaceBySlug } = await import("../server/workspaces/workspace.service.ts");
        const { addAgent } = await import("../server/agents/agent.service.ts");
        const ctx = await createContext(config);
        try {
          const ws = await findWorkspaceBySlug(ctx, opts.workspace);
          if (!ws)
            throw new AppError(404, "workspace_not_found", `No workspace with the slug "${opts.workspace}".`);
          const password = await passwordFrom(opts.password);
          const added = await addAgent(
            ctx,
            { ...systemActor("cli"), workspaceId: ws.id },
            {
              email: opts.email,
              name: opts.name ?? opts.email.split("@")[0] ?? opts.email,
              role: opts.role,
              password,
            },
          );
          console.log(`Added ${added.role} ${added.email} to ${ws.slug}.`);
        } finally {
          await closeContext(ctx);
        }
      },
    );

  return cli;
}

// Field names in errors, as the options a person typed.
const OPTION_OF_FIELD: Record<string, string> = {
  slug: "--slug",
  name: "--name",
  email: "--email",
  password: "--password",
  "admin.email": "--admin-email",
  "admin.name": "--admin-name",
  "admin.password": "--admin-password",
};

function explain(err: unknown): string {
  if (err instanceof AppError) {
    const fields = err.fields
      ? `\n${Object.entries(err.fields)
          .map(([f, m]) => `  ${OPTION_OF_FIELD[f] ?? f}: ${m}`)
          .join("\n")}`
      : "";
    return `${err.message}${fields}`;
  }
  if (err instanceof ConfigError) return `Configuration: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

// The process ends when its work is done rather than by process.exit(): exiting while V8 still
// compiles in the background can deadlock Node's shutdown (nodejs/node#54918). The unref'd timer
// only fires if something was left holding the event loop open.
try {
  await program().parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) console.error(`portico: ${explain(err)}`);
  process.exitCode = err instanceof CommanderError ? err.exitCode : 1;
  setTimeout(() => process.exit(), 10_000).unref();
}
