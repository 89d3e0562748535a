import type { AgentKey, Gateway } from "@gateway/db";
import { ConfirmForm, Flashes } from "../components.tsx";
import { Layout } from "../layout.tsx";
import type { Flash } from "../session.ts";
import { AgentKeysSection, type KeyForm } from "./agent-keys.tsx";
import { CapabilityCard, type CapabilityCardData } from "./capability-card.tsx";
import { ConnectSection } from "./connect.tsx";
import { settingsPath } from "./gateways.tsx";

export function GatewaySettingsPage(props: {
  gateway: Gateway;
  mcpUrl: string;
  capabilities: CapabilityCardData[];
  keys: AgentKey[];
  keyForm: KeyForm;
  flashes: Flash[];
  csrfToken: string;
}) {
  const { gateway } = props;
  const base = settingsPath(gateway);
  const newKey = props.flashes.find((flash) => flash.kind === "key-created");
  return (
    <Layout title={`${gateway.name} settings`} csrfToken={props.csrfToken}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">Gateways</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{gateway.name}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1>{gateway.name}</h1>
          <p>
            Gateway settings · slug <code>{gateway.slug}</code>
          </p>
        </div>
      </div>
      <Flashes flashes={props.flashes} />

      <section class="section" aria-labelledby="capabilities-title" id="capabilities">
        <div class="section-head">
          <h2 id="capabilities-title">Built-in Capabilities</h2>
          <p>
            Turn on what this gateway's agents may use. Changes apply to connected clients as soon as you
            save.
          </p>
        </div>
        {props.capabilities.length === 0 ? (
          <div class="card empty">
            <h3>No built-in capabilities</h3>
            <p>This server was started without any.</p>
          </div>
        ) : (
          props.capabilities.map((cap) => (
            <CapabilityCard cap={cap} action={`${base}/capabilities/${cap.id}`} csrfToken={props.csrfToken} />
          ))
        )}
      </section>

      <AgentKeysSection
        keys={props.keys}
        createAction={`${base}/keys`}
        revokeAction={(key) => `${base}/keys/${key.id}/revoke`}
        form={props.keyForm}
        newKey={newKey ? { name: newKey.name, secret: newKey.secret } : undefined}
        messages={props.flashes.filter(
          (flash): flash is Extract<Flash, { kind: "success" | "error" }> =>
            flash.kind !== "key-created" && flash.target === "keys",
        )}
        csrfToken={props.csrfToken}
      />

      <ConnectSection slug={gateway.slug} mcpUrl={props.mcpUrl} newKey={newKey?.secret} />

      <section class="section" aria-labelledby="danger-title">
        <div class="section-head">
          <h2 id="danger-title">Delete this gateway</h2>
          <p>Its agent keys stop working at once, and its capability settings are removed.</p>
        </div>
        <ConfirmForm
          action={`${base}/delete`}
          csrfToken={props.csrfToken}
          question={`Delete the gateway “${gateway.name}”?`}
          detail="Its agent keys stop working at once and its settings are removed. This cannot be undone."
          confirmLabel="Delete gateway"
        >
          <button type="submit" class="btn btn-danger">
            Delete gateway
          </button>
        </ConfirmForm>
      </section>
    </Layout>
  );
}
