import { Hono } from "hono";
import type { AppDeps } from "../deps.ts";

export function createWebRoutes(_deps: AppDeps) {
  return new Hono();
}
