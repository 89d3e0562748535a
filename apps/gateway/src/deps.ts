import type { Db } from "@gateway/db";
import type { AdminAuth } from "./admin-token.ts";
import type { CapabilityRegistry } from "./capabilities/registry.ts";
import type { Env } from "./env.ts";
import type { GatewayEvents } from "./events.ts";
import type { Logger } from "./logger.ts";

/** What every part of the app is built from. Created once in `main.ts` (or by a test). */
export interface AppDeps {
  env: Env;
  db: Db;
  registry: CapabilityRegistry;
  logger: Logger;
  admin: AdminAuth;
  events: GatewayEvents;
  /** Aborted when the gateway starts shutting down: long tool calls see it through their signal. */
  shutdownSignal: AbortSignal;
}
