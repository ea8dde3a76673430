import { type Kysely, sql } from "kysely";

// One answer per task: a draft becomes the submission, and two saves at once cannot leave two
// rows (the service also locks the task; this holds whatever writes).
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("form_responses_one_per_task")
    .on("form_responses")
    .column("task_id")
    .unique()
    .where(sql.ref("task_id"), "is not", null)
    .execute();
}
