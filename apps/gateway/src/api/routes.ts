import { Hono } from "hono";
import type { AppDeps } from "../deps.ts";

export function createApiRoutes(_deps: AppDeps) {
  return new Hono();
}
