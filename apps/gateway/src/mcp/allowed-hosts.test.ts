import { describe, expect, it } from "vitest";
import { parseEnv } from "../env.ts";
import { allowedHostnames, allowedOriginHostnames } from "./allowed-hosts.ts";

const env = (values: Record<string, string>) => parseEnv({ LOG_LEVEL: "silent", ...values });

describe("allowedHostnames", () => {
  it("always allows localhost and the configured HOST", () => {
    expect(allowedHostnames(env({}))).toEqual(["localhost", "127.0.0.1", "[::1]"]);
    expect(allowedHostnames(env({ HOST: "gateway.lan" }))).toContain("gateway.lan");
    expect(allowedHostnames(env({ HOST: "fd00::5" }))).toContain("[fd00::5]");
  });

  it("does not treat a wildcard listen address as a host name", () => {
    expect(allowedHostnames(env({ HOST: "0.0.0.0" }))).not.toContain("0.0.0.0");
    expect(allowedHostnames(env({ HOST: "::" }))).not.toContain("[::]");
  });

  it("adds ALLOWED_HOSTS without ports and the PUBLIC_URL host", () => {
    const names = allowedHostnames(
      env({
        ALLOWED_HOSTS: "MCP.example.com, proxy.lan:8443, [fd00::1]:80",
        PUBLIC_URL: "https://public.example/",
      }),
    );
    expect(names).toEqual(
      expect.arrayContaining(["mcp.example.com", "proxy.lan", "[fd00::1]", "public.example"]),
    );
  });
});

describe("allowedOriginHostnames", () => {
  it("adds the host names of ALLOWED_ORIGINS to the allowed hosts", () => {
    const names = allowedOriginHostnames(
      env({ ALLOWED_HOSTS: "mcp.example.com", ALLOWED_ORIGINS: "https://app.example.com:8443,ui.example" }),
    );
    expect(names).toEqual(
      expect.arrayContaining(["localhost", "mcp.example.com", "app.example.com", "ui.example"]),
    );
    expect(names).not.toContain("https://app.example.com:8443");
  });
});
