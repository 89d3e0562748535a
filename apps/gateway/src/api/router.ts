import { OpenAPIHono } from "@hono/zod-openapi";
import { rejectInvalid } from "./problems.ts";

/** A router of the admin API: its validation failures become 400 problems. */
export function createRouter() {
  return new OpenAPIHono({ defaultHook: rejectInvalid });
}

export type Router = ReturnType<typeof createRouter>;
