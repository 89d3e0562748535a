import { createApp } from "../app.ts";
import type { ProblemBody } from "../problem.ts";
import { adminHeaders, createTestDeps } from "../testing/deps.ts";

/**
 * The whole app over a fresh temporary database, with helpers that call the admin API in-process
 * as the admin. For tests; dispose with `close()`.
 */
export function createApiClient(options: Parameters<typeof createTestDeps>[0] = {}) {
  const testDeps = createTestDeps(options);
  const app = createApp(testDeps.deps);

  /** Calls the API as the admin; a non-string `body` is sent as JSON. */
  function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return app.request(path, {
      method,
      headers: { ...adminHeaders, ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  }

  /** Calls the API and returns status and parsed body (null when there is none). */
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are checked field by field by assertions
  async function json<T = any>(method: string, path: string, body?: unknown) {
    const response = await call(method, path, body);
    const text = await response.text();
    return { status: response.status, response, body: (text ? JSON.parse(text) : null) as T };
  }

  async function createGateway(name: string, slug?: string) {
    const { status, body } = await json("POST", "/api/gateways", slug ? { name, slug } : { name });
    if (status !== 201) throw new Error(`creating gateway ${name}: ${status} ${JSON.stringify(body)}`);
    return body as {
      id: string;
      slug: string;
      name: string;
      mcpUrl: string;
      createdAt: string;
      updatedAt: string;
    };
  }

  return { ...testDeps, app, call, json, createGateway };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Asserts-friendly view of a problem response: status, content type, body. */
export async function problemOf(response: Response) {
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: (await response.json()) as ProblemBody,
  };
}
