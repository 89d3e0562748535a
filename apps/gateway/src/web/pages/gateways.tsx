import type { Gateway } from "@gateway/db";
import { Alert, ConfirmForm, CsrfField, FieldError, Flashes, Icon } from "../components.tsx";
import { Layout } from "../layout.tsx";
import type { Flash } from "../session.ts";

export interface GatewayRow extends Gateway {
  enabledCapabilities: string[];
  keyCount: number;
}

export interface CreateGatewayForm {
  values: { name?: string; slug?: string };
  errors: { name?: string; slug?: string; form?: string };
}

export const settingsPath = (gateway: Pick<Gateway, "slug">) => `/settings/${gateway.slug}`;

function GatewayTable(props: { gateways: GatewayRow[]; names: Map<string, string>; csrfToken: string }) {
  return (
    <div class="card">
      <div class="table-wrap">
        <table class="stacked">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Slug</th>
              <th scope="col">Enabled capabilities</th>
              <th scope="col">Agent keys</th>
              <th scope="col" class="actions">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.gateways.map((gateway) => (
              <tr>
                <td class="primary">
                  <a class="row-title" href={settingsPath(gateway)}>
                    {gateway.name}
                  </a>
                </td>
                <td data-label="Slug">
                  <code>{gateway.slug}</code>
                </td>
                <td data-label="Capabilities">
                  {gateway.enabledCapabilities.length === 0 ? (
                    <span class="muted">None</span>
                  ) : (
                    <span class="chips">
                      {gateway.enabledCapabilities.map((id) => (
                        <span class="badge badge-on badge-dot">{props.names.get(id) ?? id}</span>
                      ))}
                    </span>
                  )}
                </td>
                <td data-label="Agent keys">{gateway.keyCount}</td>
                <td class="actions">
                  <ConfirmForm
                    action={`${settingsPath(gateway)}/delete`}
                    csrfToken={props.csrfToken}
                    question={`Delete the gateway “${gateway.name}”?`}
                    detail="Its agent keys stop working at once and its settings are removed. This cannot be undone."
                    confirmLabel="Delete gateway"
                  >
                    <button type="submit" class="btn btn-danger btn-sm" aria-label={`Delete ${gateway.name}`}>
                      Delete
                    </button>
                  </ConfirmForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function EmptyState() {
  return (
    <div class="card empty">
      <span class="empty-icon">
        <Icon name="server" size={22} />
      </span>
      <h2>No gateways yet</h2>
      <p>
        A gateway is one MCP endpoint with its own capabilities and agent keys. Create one below, then turn on
        the capabilities your agents need.
      </p>
    </div>
  );
}

function CreateGateway({ form, csrfToken }: { form: CreateGatewayForm; csrfToken: string }) {
  const { values, errors } = form;
  return (
    <section class="section" aria-labelledby="create-title">
      <div class="section-head">
        <h2 id="create-title">Create a gateway</h2>
        <p>Agents reach it at its own URL, built from the slug.</p>
      </div>
      <div class="card">
        <form method="post" action="/settings" class="card-body stack" novalidate>
          <CsrfField token={csrfToken} />
          {errors.form ? <Alert kind="error">{errors.form}</Alert> : null}
          <div class="form-row">
            <div class="field">
              <label for="gateway-name">Name</label>
              <input
                class="input"
                id="gateway-name"
                name="name"
                value={values.name ?? ""}
                maxlength={100}
                required
                autocomplete="off"
                placeholder="e.g. Research agents"
                aria-invalid={errors.name ? "true" : undefined}
                aria-describedby={errors.name ? "gateway-name-error" : undefined}
              />
              <FieldError id="gateway-name-error" message={errors.name} />
            </div>
            <div class="field">
              <label for="gateway-slug">
                Slug <span class="muted">(optional)</span>
              </label>
              <input
                class="input input-mono"
                id="gateway-slug"
                name="slug"
                value={values.slug ?? ""}
                maxlength={63}
                autocomplete="off"
                spellcheck={false}
                placeholder="research-agents"
                aria-invalid={errors.slug ? "true" : undefined}
                aria-describedby={errors.slug ? "gateway-slug-error gateway-slug-hint" : "gateway-slug-hint"}
              />
              <FieldError id="gateway-slug-error" message={errors.slug} />
              <p class="hint" id="gateway-slug-hint">
                Lower-case letters, digits and hyphens. Left empty, it is made from the name.
              </p>
            </div>
            <div class="actions">
              <button type="submit" class="btn btn-primary">
                Create gateway
              </button>
            </div>
          </div>
        </form>
      </div>
    </section>
  );
}

export function GatewaysPage(props: {
  gateways: GatewayRow[];
  capabilityNames: Map<string, string>;
  form: CreateGatewayForm;
  flashes: Flash[];
  csrfToken: string;
}) {
  return (
    <Layout title="Gateways" csrfToken={props.csrfToken} current="gateways">
      <div class="page-head">
        <div>
          <h1>Gateways</h1>
          <p>Each gateway is an MCP endpoint with its own built-in capabilities and agent keys.</p>
        </div>
      </div>
      <Flashes flashes={props.flashes} />
      {props.gateways.length === 0 ? (
        <EmptyState />
      ) : (
        <GatewayTable gateways={props.gateways} names={props.capabilityNames} csrfToken={props.csrfToken} />
      )}
      <CreateGateway form={props.form} csrfToken={props.csrfToken} />
    </Layout>
  );
}
