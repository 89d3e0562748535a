import type { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { HttpProblem } from "../problem.ts";

/**
 * Maps what can go wrong at the admin API's edge to HttpProblem: zod validation failures (from
 * the routes' schemas) and the HTTPExceptions that Hono's body parsing throws.
 */

/** Where a request part was validated: `json` is the body. */
type Target = "json" | "param" | "query" | "header" | "cookie" | "form";

const partNames: Record<Target, string> = {
  json: "request body",
  param: "path",
  query: "query string",
  header: "headers",
  cookie: "cookies",
  form: "form",
};

/** The value at `path` inside `data`, or undefined when any step is missing. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * One `{ field, message }` per problem in what was sent (`data`): an unknown key is reported under
 * its own name, a missing one as required.
 */
export function validationIssues(error: z.ZodError, data?: unknown): { field: string; message: string }[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: [...path, key].join("."), message: "is not a known field" }));
    }
    const missing =
      issue.code === "invalid_type" && path.length > 0 && valueAt(data, issue.path) === undefined;
    return [{ field: path.join("."), message: missing ? "is required" : issue.message }];
  });
}

/** A 400 problem naming the first offending field and listing every issue. */
export function validationProblem(target: Target, error: z.ZodError, data?: unknown): HttpProblem {
  const errors = validationIssues(error, data);
  const first = errors[0];
  const where = first?.field ? `${first.field}: ` : "";
  return new HttpProblem(400, `Invalid ${partNames[target]}: ${where}${first?.message ?? "invalid"}.`, {
    ...(first?.field ? { field: first.field } : {}),
    errors,
  });
}

/** The zod-openapi `defaultHook`: a failed validation becomes a problem response. */
export function rejectInvalid(
  result: { target: string; data?: unknown } & ({ success: true } | { success: false; error: z.ZodError }),
): void {
  if (!result.success) throw validationProblem(result.target as Target, result.error, result.data);
}

/**
 * Turns a thrown error into a problem, or returns undefined for errors that are not the
 * client's doing (those reach the app's one 500 handler).
 */
export function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (!(error instanceof HTTPException)) return undefined;
  switch (error.status) {
    case 400:
      // Hono's JSON body parser: "Malformed JSON in request body".
      return new HttpProblem(400, "The request body is not valid JSON.");
    case 415:
      // zod-openapi's media type gate. Bad input is a 400 in this API, whatever part is wrong.
      return new HttpProblem(400, "The request body must be sent as Content-Type: application/json.");
    default:
      return new HttpProblem(error.status, error.message || "Request refused.");
  }
}
