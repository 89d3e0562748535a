import { afterEach, expect, test } from "vitest";
import { type ApiClient, createApiClient } from "./test-client.ts";

let api: ApiClient | undefined;
afterEach(() => api?.close());

test("GET /api/capabilities lists the built-in capabilities with tools and settings schema", async () => {
  api = createApiClient();
  const { status, body } = await api.json("GET", "/api/capabilities");
  expect(status).toBe(200);
  expect(body).toHaveLength(1);
  const [echo] = body;
  expect(echo).toMatchObject({
    id: "echo",
    name: "Echo",
    description: expect.any(String),
    defaultSettings: { prefix: "", waitEnabled: true },
  });
  expect(echo.settingsSchema).toMatchObject({
    type: "object",
    properties: {
      prefix: { type: "string", maxLength: 20, title: "Prefix" },
      waitEnabled: { type: "boolean" },
    },
  });
  expect(echo.tools.map((tool: { name: string }) => tool.name)).toEqual(["echo", "wait"]);
  expect(echo.tools[0]).toMatchObject({
    name: "echo",
    title: "Echo",
    annotations: { readOnlyHint: true },
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    outputSchema: { type: "object", properties: { text: { type: "string" } } },
  });
});
