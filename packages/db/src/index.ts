export * from "./agent-keys.ts";
export * from "./audit.ts";
export * from "./capability-settings.ts";
export { ConflictError } from "./errors.ts";
export * from "./gateways.ts";
export { randomToken, sha256 } from "./ids.ts";
export { type Database, type Db, migrationsFolder, type OpenDatabaseOptions, openDatabase } from "./open.ts";
export * as schema from "./schema.ts";
export * from "./server-settings.ts";
