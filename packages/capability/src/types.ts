import type { z } from "zod";

/** The subset of a pino logger a capability may use. Child loggers carry the capability id. */
export interface CapabilityLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): CapabilityLogger;
}

/** MCP tool annotations (hints for clients; never trusted for security decisions). */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** Everything a tool handler receives besides its validated input. */
export interface ToolContext<Settings> {
  /** Aborted when the client cancels the call, disconnects, or the gateway shuts down. */
  signal: AbortSignal;
  /** This gateway's settings for the capability, already validated by its settings schema. */
  settings: Settings;
  /** The gateway (tenant) the call belongs to. */
  gatewayId: string;
  logger: CapabilityLogger;
}

/** One content block of a tool result that an LLM reads. */
export interface TextContent {
  type: "text";
  text: string;
}

/** What a handler returns. `isError` marks a tool-level failure (not a protocol error). */
export interface ToolResult<Output> {
  content: TextContent[];
  structuredContent: Output;
  isError?: boolean;
}

export interface Tool<
  Settings = unknown,
  Input extends z.ZodType = z.ZodType,
  Output extends z.ZodType = z.ZodType,
> {
  /** Unique across all capabilities, e.g. `run_javascript`. */
  name: string;
  title: string;
  description: string;
  inputSchema: Input;
  outputSchema: Output;
  annotations: ToolAnnotations;
  /** Whether the tool is offered under these settings (e.g. a language switched off). Default: always. */
  isEnabled?(settings: Settings): boolean;
  handler(input: z.output<Input>, ctx: ToolContext<Settings>): Promise<ToolResult<z.output<Output>>>;
}

/** What the gateway hands a capability when it starts it at boot. */
export interface CapabilityStartContext {
  logger: CapabilityLogger;
  /** A folder the capability may use for caches (next to the database). */
  dataDir: string;
}

/**
 * A capability is a plain object: the gateway knows nothing about it beyond this shape.
 * `settingsSchema.parse({})` must yield the defaults.
 */
export interface Capability<SettingsSchema extends z.ZodType = z.ZodType> {
  id: string;
  name: string;
  description: string;
  settingsSchema: SettingsSchema;
  // biome-ignore lint/suspicious/noExplicitAny: tools are heterogeneous in their input and output types
  tools: Tool<z.output<SettingsSchema>, any, any>[];
  /** Acquire expensive resources (worker pools). Called once at gateway start-up. */
  start?(ctx: CapabilityStartContext): Promise<void>;
  /** Release everything `start` acquired. Called once at shutdown; must be safe to call without `start`. */
  dispose?(): Promise<void>;
}

/** Identity helper that keeps the settings type flowing into the tools' handlers. */
export function defineCapability<S extends z.ZodType>(capability: Capability<S>): Capability<S> {
  return capability;
}

/** Identity helper for one tool of a capability whose settings type is `Settings`. */
export function defineTool<Settings, I extends z.ZodType, O extends z.ZodType>(
  tool: Tool<Settings, I, O>,
): Tool<Settings, I, O> {
  return tool;
}
