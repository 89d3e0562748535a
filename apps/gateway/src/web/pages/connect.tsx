import { CodeBlock, CopyField } from "../components.tsx";

/** Where the placeholder goes when no key was just created. */
export const KEY_PLACEHOLDER = "YOUR_AGENT_KEY";

const isLocal = (url: URL) => ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);

/** Ready-to-paste client configurations for this gateway's MCP endpoint. */
export function connectionSnippets(name: string, mcpUrl: string, key: string) {
  const url = new URL(mcpUrl);
  const http = {
    mcpServers: {
      [name]: { type: "http", url: mcpUrl, headers: { Authorization: `Bearer ${key}` } },
    },
  };
  // mcp-remote refuses plain HTTP to anything but localhost unless told otherwise.
  const insecure = url.protocol === "http:" && !isLocal(url) ? ["--allow-http"] : [];
  const stdio = {
    mcpServers: {
      [name]: {
        command: "npx",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${AUTH_HEADER} from env
        args: ["-y", "mcp-remote", mcpUrl, "--header", "Authorization:${AUTH_HEADER}", ...insecure],
        env: { AUTH_HEADER: `Bearer ${key}` },
      },
    },
  };
  return {
    http: JSON.stringify(http, null, 2),
    stdio: JSON.stringify(stdio, null, 2),
    cli: `claude mcp add --transport http ${name} ${mcpUrl} --header "Authorization: Bearer ${key}"`,
  };
}

export function ConnectSection(props: { slug: string; mcpUrl: string; newKey?: string }) {
  const snippets = connectionSnippets(props.slug, props.mcpUrl, props.newKey ?? KEY_PLACEHOLDER);
  return (
    <section class="section" aria-labelledby="connect-title" id="connect">
      <div class="section-head">
        <h2 id="connect-title">Connect an MCP client</h2>
        <p>
          Clients authenticate with an agent key sent as <code>{"Authorization: Bearer <key>"}</code>.{" "}
          {props.newKey ? (
            <strong>The snippets below contain the key you just created.</strong>
          ) : (
            <>
              Replace <code>{KEY_PLACEHOLDER}</code> with a key from <a href="#keys">Agent keys</a>.
            </>
          )}
        </p>
      </div>
      <div class="card">
        <div class="card-body">
          <div class="field">
            <label for="mcp-url">MCP endpoint (Streamable HTTP)</label>
            <CopyField id="mcp-url" value={props.mcpUrl} label="MCP endpoint URL" />
          </div>
          <div class="tabs" data-tabs="Client configurations">
            <CodeBlock
              id="snippet-http"
              tab="HTTP"
              code={snippets.http}
              label="JSON config for clients that speak Streamable HTTP"
            />
            <CodeBlock
              id="snippet-stdio"
              tab="stdio (mcp-remote)"
              code={snippets.stdio}
              label="JSON config for clients that only speak stdio, through mcp-remote (needs Node.js)"
            />
            <CodeBlock
              id="snippet-cli"
              tab="Claude Code"
              code={snippets.cli}
              label="Claude Code command line"
            />
          </div>
        </div>
      </div>
    </section>
  );
}
