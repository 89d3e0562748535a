import type { Tool } from "@gateway/capability";
import {
  type CallToolResult,
  type Tool as McpTool,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ActiveTool } from "../capabilities/registry.ts";
import type { AppDeps } from "../deps.ts";
import type { InFlight } from "./in-flight.ts";
import { mcpRequestContext } from "./request-context.ts";

/** How the gateway introduces itself to MCP clients. */
export const SERVER_INFO = { name: "mcp-gateway", version: "0.1.0" } as const;

export interface ToolServerDeps {
  deps: Pick<AppDeps, "db" | "registry" | "logger" | "shutdownSignal">;
  calls: InFlight;
}

/**
 * An MCP server (the SDK's low-level `Server`) that offers one gateway's tools. The tool set is
 * read from the database on every `tools/list` and `tools/call`, so a capability switched on or
 * off takes effect on the very next request, also inside a long-lived session.
 */
export function createToolServer({ deps, calls }: ToolServerDeps, gatewayId: string): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true } },
    // The tool set changes whenever an admin says so, and differs per gateway: never cache it.
    cacheHints: { "tools/list": { ttlMs: 0, cacheScope: "private" } },
  });
  const active = () => deps.registry.activeTools(deps.db, gatewayId);

  server.setRequestHandler("tools/list", () => ({ tools: active().map(({ tool }) => describeTool(tool)) }));

  server.setRequestHandler("tools/call", async (request, ctx) => {
    const { name } = request.params;
    const entry = active().find(({ tool }) => tool.name === name);
    // A disabled tool is indistinguishable from one that does not exist.
    if (!entry) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
    const input = entry.tool.inputSchema.safeParse(request.params.arguments ?? {});
    if (!input.success) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Invalid arguments for tool ${name}: ${z.prettifyError(input.error)}`,
      );
    }
    return calls.track(() => runTool(server, deps, gatewayId, entry, input.data, ctx));
  });
  return server;
}

async function runTool(
  server: Server,
  deps: ToolServerDeps["deps"],
  gatewayId: string,
  { capability, tool, settings }: ActiveTool,
  input: unknown,
  ctx: ServerContext,
): Promise<CallToolResult> {
  const request = mcpRequestContext.getStore();
  const requestId = request?.requestId ?? "unknown";
  const logger = deps.logger.child({ requestId, gatewayId, capability: capability.id, tool: tool.name });
  const signals = [ctx.mcpReq.signal, deps.shutdownSignal];
  if (request) signals.push(request.connection);
  const signal = AbortSignal.any(signals);
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const result = await tool.handler(input, { signal, settings, gatewayId, logger });
    if (!result.isError) {
      const output = tool.outputSchema.safeParse(result.structuredContent);
      if (!output.success)
        throw new Error(`result does not match the output schema: ${output.error.message}`);
    }
    logger.info({ ms: ms(), isError: result.isError ?? false, aborted: signal.aborted }, "tool call");
    return server.projectCallToolResult(
      {
        content: result.content,
        structuredContent: result.structuredContent,
        isError: result.isError ?? false,
      },
      describeTool(tool).outputSchema,
    );
  } catch (error) {
    // The client learns only that it failed; the details stay in the log.
    logger.error({ err: error, ms: ms(), aborted: signal.aborted }, "tool call failed");
    return {
      content: [
        {
          type: "text",
          text: `The tool ${tool.name} failed with an internal error (request id ${requestId}).`,
        },
      ],
      isError: true,
    };
  }
}

const described = new WeakMap<Tool, McpTool>();

/** The MCP `tools/list` entry of a tool; tool definitions are static, so it is computed once. */
export function describeTool(tool: Tool): McpTool {
  let entry = described.get(tool);
  if (!entry) {
    entry = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: objectSchema(tool, "input"),
      outputSchema: objectSchema(tool, "output"),
      annotations: { title: tool.title, ...tool.annotations },
    };
    described.set(tool, entry);
  }
  return entry;
}

/** MCP requires both schemas of a tool to describe objects. */
function objectSchema(tool: Tool, io: "input" | "output"): McpTool["inputSchema"] {
  const schema = z.toJSONSchema(io === "input" ? tool.inputSchema : tool.outputSchema, {
    target: "draft-2020-12",
    unrepresentable: "any",
    io,
  });
  if (schema.type !== undefined && schema.type !== "object")
    throw new Error(`tool "${tool.name}": its ${io} schema must describe an object`);
  return { ...(schema as Record<string, unknown>), type: "object" };
}
