import type { Capability, CapabilityLogger, Tool } from "@gateway/capability";
import { type Db, listCapabilitySettings } from "@gateway/db";
import { z } from "zod";

/** A capability as one gateway sees it: enabled or not, with its validated settings. */
export interface GatewayCapability {
  capability: Capability;
  enabled: boolean;
  settings: unknown;
  updatedAt: Date | null;
}

/** A tool that a gateway currently offers, bound to its capability and settings. */
export interface ActiveTool {
  capability: Capability;
  tool: Tool;
  settings: unknown;
}

/**
 * Knows the built-in capabilities and answers, for a gateway, which are enabled and which tools
 * that gives. It contains nothing specific to any one capability.
 */
export class CapabilityRegistry {
  readonly #byId: Map<string, Capability>;

  constructor(readonly capabilities: readonly Capability[]) {
    this.#byId = new Map();
    const toolNames = new Set<string>();
    for (const capability of capabilities) {
      if (this.#byId.has(capability.id)) throw new Error(`duplicate capability id "${capability.id}"`);
      this.#byId.set(capability.id, capability);
      for (const tool of capability.tools) {
        if (toolNames.has(tool.name)) throw new Error(`duplicate tool name "${tool.name}"`);
        toolNames.add(tool.name);
      }
    }
  }

  get(id: string): Capability | undefined {
    return this.#byId.get(id);
  }

  /** The defaults a capability's settings take when a gateway has stored none. */
  defaultSettings(capability: Capability): unknown {
    return capability.settingsSchema.parse({});
  }

  /**
   * Every built-in capability with this gateway's state. Stored settings are re-validated; settings
   * that no longer validate (e.g. a maximum was lowered) fall back to the defaults, and the
   * capability stays in the state the admin chose.
   */
  forGateway(db: Db, gatewayId: string): GatewayCapability[] {
    const rows = new Map(listCapabilitySettings(db, gatewayId).map((row) => [row.capabilityId, row]));
    return this.capabilities.map((capability) => {
      const row = rows.get(capability.id);
      const parsed = capability.settingsSchema.safeParse(row?.settings ?? {});
      return {
        capability,
        enabled: row?.enabled ?? false,
        settings: parsed.success ? parsed.data : this.defaultSettings(capability),
        updatedAt: row?.updatedAt ?? null,
      };
    });
  }

  /** The tools this gateway offers right now: enabled capabilities, tools enabled by their settings. */
  activeTools(db: Db, gatewayId: string): ActiveTool[] {
    return this.forGateway(db, gatewayId)
      .filter((entry) => entry.enabled)
      .flatMap(({ capability, settings }) =>
        capability.tools
          .filter((tool) => tool.isEnabled?.(settings) ?? true)
          .map((tool) => ({ capability, tool, settings })),
      );
  }

  /** Starts every capability that owns resources. A failure stops start-up. */
  async start(ctx: { logger: CapabilityLogger; dataDir: string }): Promise<void> {
    for (const capability of this.capabilities) {
      await capability.start?.({
        logger: ctx.logger.child({ capability: capability.id }),
        dataDir: ctx.dataDir,
      });
    }
  }

  /** Disposes every capability, in reverse order, collecting failures instead of stopping at one. */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const capability of [...this.capabilities].reverse()) {
      try {
        await capability.dispose?.();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "capability disposal failed");
  }

  /** The public catalog: what `GET /api/capabilities` and the settings page show. */
  catalog() {
    return this.capabilities.map((capability) => ({
      id: capability.id,
      name: capability.name,
      description: capability.description,
      settingsSchema: z.toJSONSchema(capability.settingsSchema, { io: "input", unrepresentable: "any" }),
      defaultSettings: this.defaultSettings(capability),
      tools: capability.tools.map((tool) => ({
        name: tool.name,
        title: tool.title,
        description: tool.description,
        annotations: tool.annotations,
        inputSchema: z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" }),
        outputSchema: z.toJSONSchema(tool.outputSchema, { io: "output", unrepresentable: "any" }),
      })),
    }));
  }
}
