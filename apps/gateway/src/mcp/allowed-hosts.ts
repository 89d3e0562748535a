import { localhostAllowedHostnames } from "@modelcontextprotocol/server";
import type { Env } from "../env.ts";

/**
 * The host names the MCP endpoint answers to, against DNS rebinding: a web page on another site
 * that gets its name resolved to this machine still sends its own name in `Host` and `Origin`.
 * Names are compared without port, as the SDK's validators do; IPv6 addresses take brackets.
 */

const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "[::]"]);

/** A configured name as the validators compare it: lower case, no port, IPv6 in brackets. */
function hostname(value: string): string {
  const name = value.trim().toLowerCase();
  if (name.startsWith("[")) return name.slice(0, name.indexOf("]") + 1);
  const colons = name.split(":").length - 1;
  if (colons > 1) return `[${name}]`;
  return colons === 1 ? name.slice(0, name.indexOf(":")) : name;
}

/** `Host` values accepted: localhost, the configured HOST and PUBLIC_URL host, ALLOWED_HOSTS. */
export function allowedHostnames(env: Pick<Env, "HOST" | "PUBLIC_URL" | "ALLOWED_HOSTS">): string[] {
  const names = new Set(localhostAllowedHostnames());
  const host = hostname(env.HOST);
  // A wildcard listen address is never a name a client uses; such setups list theirs in ALLOWED_HOSTS.
  if (!WILDCARD_ADDRESSES.has(host)) names.add(host);
  if (env.PUBLIC_URL) names.add(new URL(env.PUBLIC_URL).hostname.toLowerCase());
  for (const name of env.ALLOWED_HOSTS) names.add(hostname(name));
  return [...names];
}

/**
 * `Origin` host names accepted when a browser sends one: the same names as for `Host`, plus those
 * of ALLOWED_ORIGINS (given as origins, `https://app.example.com`, or as bare host names).
 */
export function allowedOriginHostnames(
  env: Pick<Env, "HOST" | "PUBLIC_URL" | "ALLOWED_HOSTS" | "ALLOWED_ORIGINS">,
): string[] {
  const names = new Set(allowedHostnames(env));
  for (const origin of env.ALLOWED_ORIGINS) {
    const parsed = origin.includes("://") && URL.canParse(origin) ? new URL(origin) : undefined;
    names.add(parsed ? parsed.hostname.toLowerCase() : hostname(origin));
  }
  return [...names];
}
