import { describe, expect, it } from "vitest";
import { connectionSnippets } from "./connect.tsx";

describe("connectionSnippets", () => {
  it("gives a Streamable HTTP config and an mcp-remote config with the key as a bearer token", () => {
    const url = "https://gw.example.com/gateways/research/mcp";
    const snippets = connectionSnippets("research", url, "mcpgw_abc");
    expect(JSON.parse(snippets.http)).toEqual({
      mcpServers: {
        research: { type: "http", url, headers: { Authorization: "Bearer mcpgw_abc" } },
      },
    });
    const stdio = JSON.parse(snippets.stdio).mcpServers.research;
    expect(stdio.command).toBe("npx");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${AUTH_HEADER} itself
    expect(stdio.args).toEqual(["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"]);
    expect(stdio.env).toEqual({ AUTH_HEADER: "Bearer mcpgw_abc" });
    expect(snippets.cli).toContain(`${url} --header "Authorization: Bearer mcpgw_abc"`);
  });

  it("lets mcp-remote use plain HTTP only where it would refuse it: hosts other than localhost", () => {
    const local = JSON.parse(connectionSnippets("a", "http://127.0.0.1:8787/gateways/a/mcp", "k").stdio);
    expect(local.mcpServers.a.args).not.toContain("--allow-http");
    const lan = JSON.parse(connectionSnippets("a", "http://192.168.1.20:8787/gateways/a/mcp", "k").stdio);
    expect(lan.mcpServers.a.args.at(-1)).toBe("--allow-http");
  });
});
