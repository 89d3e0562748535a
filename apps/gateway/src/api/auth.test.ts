import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { TEST_ADMIN_TOKEN } from "../testing/deps.ts";
import { bearerToken } from "./auth.ts";
import { type ApiClient, createApiClient, problemOf } from "./test-client.ts";

/** Every route of the admin API that needs the admin token, with a body that would be valid. */
const protectedRoutes: [method: string, path: string, body?: unknown][] = [
  ["GET", "/api/capabilities"],
  ["GET", "/api/gateways"],
  ["POST", "/api/gateways", { name: "New" }],
  ["GET", "/api/gateways/main"],
  ["PATCH", "/api/gateways/main", { name: "Renamed" }],
  ["GET", "/api/gateways/main/capabilities"],
  ["PUT", "/api/gateways/main/capabilities/echo", { enabled: true }],
  ["GET", "/api/gateways/main/keys"],
  ["POST", "/api/gateways/main/keys", { name: "agent" }],
  ["DELETE", "/api/gateways/main/keys/KEY"],
  ["GET", "/api/gateways/main/audit"],
  ["DELETE", "/api/gateways/main"], // last: the others need the gateway
];

let api: ApiClient;
let keyId: string;

beforeEach(async () => {
  api = createApiClient();
  await api.createGateway("Main", "main");
  keyId = (await api.json("POST", "/api/gateways/main/keys", { name: "existing" })).body.id;
});
afterEach(() => api.close());

function send(method: string, path: string, body: unknown, authorization?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== undefined) headers.authorization = authorization;
  return api.app.request(path.replace("KEY", keyId), {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("refusals", () => {
  const cases: [label: string, authorization: string | undefined, error?: string][] = [
    ["no Authorization header", undefined],
    ["a wrong token", "Bearer not-the-admin-token-at-all", "invalid_token"],
    ["another scheme", `Basic ${TEST_ADMIN_TOKEN}`, "invalid_request"],
    ["an empty bearer", "Bearer ", "invalid_request"],
    ["the token without a scheme", TEST_ADMIN_TOKEN, "invalid_request"],
    ["the token with a suffix", `Bearer ${TEST_ADMIN_TOKEN}x`, "invalid_token"],
  ];
  for (const [label, authorization, error] of cases) {
    test(`${label}: every route answers 401 problem+json with a Bearer challenge`, async () => {
      for (const [method, path, body] of protectedRoutes) {
        const response = await send(method, path, body, authorization);
        const problem = await problemOf(response);
        expect(problem.status, `${method} ${path}`).toBe(401);
        expect(problem.contentType).toBe("application/problem+json");
        expect(problem.body).toMatchObject({ status: 401, title: "Unauthorized" });
        const challenge = response.headers.get("www-authenticate");
        expect(challenge).toMatch(/^Bearer realm="[^"]+"/);
        if (error) expect(challenge).toContain(`error="${error}"`);
        else expect(challenge).not.toContain("error=");
      }
      // Nothing was changed by the refused writes.
      const gateways = await api.json("GET", "/api/gateways");
      expect(gateways.body.map((g: { slug: string }) => g.slug)).toEqual(["main"]);
      const keys = await api.json("GET", "/api/gateways/main/keys");
      expect(keys.body).toHaveLength(1);
      expect(keys.body[0].revokedAt).toBeNull();
    });
  }

  test("a request to an unknown path without a token is a 401, not a 404", async () => {
    const response = await send("GET", "/api/no-such-route", undefined);
    expect(response.status).toBe(401);
  });
});

test("the right token is accepted on every route, whatever the case of the scheme", async () => {
  for (const [index, [method, path, body]] of protectedRoutes.entries()) {
    const scheme = index % 2 === 0 ? "Bearer" : "bearer";
    const response = await send(method, path, body, `${scheme} ${TEST_ADMIN_TOKEN}`);
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
  }
});

test("the OpenAPI document needs no token", async () => {
  const response = await api.app.request("/api/openapi.json");
  expect(response.status).toBe(200);
  expect(((await response.json()) as { openapi: string }).openapi).toBe("3.1.0");
});

test("an unknown route behind a valid token is a 404 problem", async () => {
  const problem = await problemOf(await api.call("GET", "/api/nothing-here"));
  expect(problem).toMatchObject({ status: 404, contentType: "application/problem+json" });
});

test("bearerToken reads only the Bearer scheme with one token", () => {
  expect(bearerToken("Bearer abc")).toBe("abc");
  expect(bearerToken("bearer abc")).toBe("abc");
  expect(bearerToken("Bearer  abc ")).toBe("abc");
  expect(bearerToken("Bearer abc def")).toBeUndefined();
  expect(bearerToken("Basic abc")).toBeUndefined();
  expect(bearerToken("Bearer")).toBeUndefined();
  expect(bearerToken(undefined)).toBeUndefined();
});
