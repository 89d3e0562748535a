export type {
  Capability,
  CapabilityLogger,
  CapabilityStartContext,
  TextContent,
  Tool,
  ToolAnnotations,
  ToolContext,
  ToolResult,
} from "./types.ts";
export { defineCapability, defineTool } from "./types.ts";
