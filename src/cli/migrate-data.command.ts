import path from "node:path";
import { Command } from "commander";
import { loadConfig } from "../server/config.ts";
import { MigrateDataError } from "../server/ops/migrate-data.tables.ts";

// `portico migrate-data --to postgres://…`: the command line of ops/migrate-data.ts.

const HELP = `
Copies the embedded SQLite database (DATA_DIR/portico.sqlite) into an EMPTY PostgreSQL
database: migrates it, copies every table in one transaction, rebuilds the search indexes,
then compares every row and decrypts every stored file before it commits. Any difference
rolls everything back and exits non-zero; the SQLite file is only read. Stop Portico first.

Files stay where they are (DATA_DIR/files, or the S3 bucket the S3_* settings name) and keep
their key (FILE_ENCRYPTION_KEY, or DATA_DIR/file-encryption.key). Several processes need a
shared store: with the S3_* settings given, --copy-files-to-s3 copies them into the bucket.

Examples:
  createdb -h db.internal portico
  DATA_DIR=/var/lib/portico portico migrate-data --to postgres://portico@db.internal/portico
  DATA_DIR=/var/lib/portico S3_BUCKET=portico-files S3_REGION=eu-central-1 \\
    portico migrate-data --to postgres://portico@db.internal/portico --copy-files-to-s3`;

export function migrateDataCommand(envHelp: string): Command {
  return new Command("migrate-data")
    .description("Move the embedded SQLite database into an empty PostgreSQL database, verified row for row.")
    .requiredOption("--to <url>", "postgres://… of the empty target database")
    .option(
      "--copy-files-to-s3",
      "copy the files from DATA_DIR/files into the S3 bucket of the S3_* settings",
    )
    .option("--allow-missing-files", "report files missing or damaged in the store without failing the move")
    .addHelpText("after", `${HELP}\n${envHelp}`)
    .action(async (opts: { to: string; copyFilesToS3?: boolean; allowMissingFiles?: boolean }) => {
      if (!/^postgres(ql)?:\/\//.test(opts.to)) {
        throw new MigrateDataError("--to must be a postgres:// or postgresql:// URL.");
      }
      const config = loadConfig({ ...process.env, LOG_LEVEL: "warn" });
      if (opts.copyFilesToS3 && !config.s3) {
        throw new MigrateDataError("--copy-files-to-s3 needs the S3 settings (S3_BUCKET and the others).");
      }
      // The store, the key and the move load only for this command, not for `--help` or `serve`.
      const { readMasterKey } = await import("../server/files/file.crypto.ts");
      const { createFileStore, LocalFileStore, S3FileStore } = await import("../server/files/file.store.ts");
      const key = readMasterKey(config.dataDir, config.fileEncryptionKey);
      const store = opts.copyFilesToS3 && config.s3 ? new S3FileStore(config.s3) : createFileStore(config);
      const started = Date.now();
      try {
        const { migrateData } = await import("../server/ops/migrate-data.ts");
        const report = await migrateData({
          dataDir: config.dataDir,
          to: opts.to,
          files: key ? { store, key } : null,
          copyFilesFrom: opts.copyFilesToS3
            ? new LocalFileStore(path.join(config.dataDir, "files"))
            : undefined,
          allowMissingFiles: opts.allowMissingFiles,
          progress: (line) => process.stderr.write(`${line}\n`),
        });
        const rows = report.tables.reduce((n, t) => n + t.rows, 0);
        for (const t of report.tables)
          console.log(`${t.name.padEnd(28)} ${String(t.rows).padStart(9)}  ${t.checksum.slice(0, 16)}`);
        for (const w of report.files.warnings) console.log(`warning: ${w}`);
        console.log(
          `Moved ${report.tables.length} tables, ${rows} rows, and checked ${report.files.checked} files` +
            `${report.files.copied ? ` (${report.files.copied} copied to S3)` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s: every row matches.`,
        );
        console.log(
          "Next: start Portico with DATABASE_URL set to that URL (and REDIS_URL for several processes).",
        );
      } catch (err) {
        if (err instanceof MigrateDataError) for (const p of err.problems) process.stderr.write(`  ${p}\n`);
        throw err;
      } finally {
        if (store instanceof S3FileStore) store.destroy();
      }
    });
}
