import { HTTPException } from "hono/http-exception";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { HttpProblem } from "../problem.ts";
import { toProblem, validationIssues } from "./problems.ts";
import { type ApiClient, createApiClient, problemOf } from "./test-client.ts";

describe("validationIssues", () => {
  const schema = z.strictObject({ name: z.string(), nested: z.object({ count: z.number() }).optional() });

  test("names missing, wrong and unknown fields by their dotted path", () => {
    const data = { nested: { count: "3" }, extra: true };
    const result = schema.safeParse(data);
    expect(validationIssues(result.error!, data)).toEqual([
      { field: "name", message: "is required" },
      { field: "nested.count", message: expect.stringContaining("expected number") },
      { field: "extra", message: "is not a known field" },
    ]);
  });
});

describe("toProblem", () => {
  test("keeps HttpProblems, maps Hono's HTTPExceptions, leaves other errors alone", () => {
    const problem = new HttpProblem(409, "taken");
    expect(toProblem(problem)).toBe(problem);
    expect(toProblem(new HTTPException(400, { message: "Malformed JSON in request body" }))?.status).toBe(
      400,
    );
    expect(toProblem(new HTTPException(415))?.status).toBe(400);
    expect(toProblem(new HTTPException(413))?.status).toBe(413);
    expect(toProblem(new Error("disk on fire"))).toBeUndefined();
    expect(toProblem("string")).toBeUndefined();
  });
});

describe("hostile input through the API", () => {
  let api: ApiClient;
  beforeEach(async () => {
    api = createApiClient();
    await api.createGateway("Main", "main");
  });
  afterEach(() => api.close());

  const bodyRoutes: [method: string, path: string][] = [
    ["POST", "/api/gateways"],
    ["PATCH", "/api/gateways/main"],
    ["PUT", "/api/gateways/main/capabilities/echo"],
    ["POST", "/api/gateways/main/keys"],
  ];
  const bodies = [
    "[".repeat(20_000) + "]".repeat(20_000), // deep nesting
    '{"__proto__": {"admin": true}, "name": "x", "constructor": {"prototype": {}}}',
    '{"name": {"toString": "boom"}}',
    '{"name": "a", "name": 1e400}',
    '{"enabled": true, "settings": {"prefix": {"$gt": ""}}}',
    '{"name": "\\ud800"}',
    "\u0000",
    "true",
    "1",
    '"just a string"',
    "ÿþ{",
  ];

  test("every body route answers 4xx problem+json, never a 500 or a stack trace", async () => {
    for (const [method, path] of bodyRoutes) {
      for (const body of bodies) {
        const response = await api.call(method, path, body);
        const label = `${method} ${path} ${body.slice(0, 40)}`;
        if (response.status < 300) {
          // Only the lone surrogate makes a valid (if odd) name.
          expect(body, label).toContain("ud800");
          continue;
        }
        const text = await response.text();
        expect(response.status, label).toBeGreaterThanOrEqual(400);
        expect(response.status, label).toBeLessThan(500);
        expect(response.headers.get("content-type"), label).toBe("application/problem+json");
        expect(text, label).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      }
    }
    // The prototype-pollution attempt did not reach Object.prototype.
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  test("an internal failure is a 500 problem with the request id and no internals", async () => {
    api.database.close(); // every query now throws inside the store
    const response = await api.call("GET", "/api/gateways", undefined, { "x-request-id": "req-42" });
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ status: 500, contentType: "application/problem+json" });
    expect(problem.body.detail).toBe("Internal error (request id req-42).");
    expect(JSON.stringify(problem.body)).not.toMatch(/database|sqlite|\bat\b/i);
  });
});
