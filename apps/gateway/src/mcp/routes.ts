import { Hono } from "hono";
import type { AppDeps } from "../deps.ts";

export function createMcpRoutes(_deps: AppDeps) {
  return new Hono();
}
