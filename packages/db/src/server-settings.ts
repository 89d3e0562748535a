import { eq } from "drizzle-orm";
import type { Db } from "./open.ts";
import { serverSettings } from "./schema.ts";

export function getServerSetting(db: Db, key: string): string | undefined {
  return db.select().from(serverSettings).where(eq(serverSettings.key, key)).get()?.value;
}

export function setServerSetting(db: Db, key: string, value: string): void {
  db.insert(serverSettings)
    .values({ key, value })
    .onConflictDoUpdate({ target: serverSettings.key, set: { value } })
    .run();
}
