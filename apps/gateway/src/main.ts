import { openDatabase } from "@gateway/db";
import { resetAdminToken } from "./admin-token.ts";
import { builtinCapabilities } from "./capabilities/builtin.ts";
import { ConfigError, parseEnv } from "./env.ts";
import { startGateway, stopOnSignals } from "./gateway.ts";
import { createLogger } from "./logger.ts";

/** Command-line entry: `pnpm start`. Configuration comes from the environment (see README). */
async function main(): Promise<void> {
  let env: ReturnType<typeof parseEnv>;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  if (process.argv.includes("--reset-admin-token")) {
    const database = openDatabase(env.DATABASE_PATH);
    const token = resetAdminToken(database.db);
    database.close();
    console.log(`New admin token (shown once; only its hash is stored):\n\n    ${token}\n`);
    if (env.ADMIN_TOKEN) console.log("Note: ADMIN_TOKEN is set in the environment and takes precedence.");
    return;
  }
  const logger = createLogger(env.LOG_LEVEL);
  const gateway = await startGateway({ env, logger, capabilities: builtinCapabilities(env) });
  logger.info({ url: gateway.url, database: env.DATABASE_PATH }, "gateway listening");
  if (gateway.generatedAdminToken) {
    // Printed once, on the console only (not through the JSON log), and never stored in clear.
    console.log(
      [
        "",
        "  No ADMIN_TOKEN was set, so one was generated. It is shown only this once:",
        "",
        `    ${gateway.generatedAdminToken}`,
        "",
        `  Use it as  Authorization: Bearer <token>  on ${gateway.url}/api, or sign in at ${gateway.url}/`,
        "  Only its hash is stored. To replace it, set ADMIN_TOKEN or run: pnpm start -- --reset-admin-token",
        "",
      ].join("\n"),
    );
  }

  stopOnSignals(gateway, logger);
}

main().catch((error) => {
  console.error("gateway failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
