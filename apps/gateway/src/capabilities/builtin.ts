import type { Capability } from "@gateway/capability";
import type { Env } from "../env.ts";

/**
 * The built-in capabilities, in the order the catalog shows them. This is the one place that
 * names them; add a capability package here and nowhere else.
 */
export function builtinCapabilities(_env: Env): Capability[] {
  return [];
}
