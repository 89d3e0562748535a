import type { AgentKey } from "@gateway/db";
import { Alert, ConfirmForm, CopyField, CsrfField, FieldError, Icon, Time } from "../components.tsx";

export interface KeyForm {
  values: { name?: string };
  error?: string;
}

function NewKey({ name, secret }: { name: string; secret: string }) {
  return (
    <div class="secret" id="new-key">
      <Alert kind="warn">
        <strong>Copy the key “{name}” now.</strong>
        <p>
          It is shown only this once: the gateway keeps just a hash of it. If it is lost, revoke it and create
          another.
        </p>
      </Alert>
      <CopyField id="new-key-secret" value={secret} label={`Agent key ${name}`} />
    </div>
  );
}

function KeyTable(props: { keys: AgentKey[]; action: (key: AgentKey) => string; csrfToken: string }) {
  return (
    <div class="table-wrap">
      <table class="stacked">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col" class="actions">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((key) => (
            <tr class={key.revokedAt ? "revoked" : undefined} data-key-id={key.id}>
              <td class="primary">
                <span class="row-title">{key.name}</span>
              </td>
              <td data-label="Key">
                <code>{key.prefix}…</code>
              </td>
              <td data-label="Created">
                <Time date={key.createdAt} />
              </td>
              <td data-label="Last used">
                <Time date={key.lastUsedAt} />
              </td>
              <td class="actions">
                {key.revokedAt ? (
                  <span class="badge badge-danger">Revoked</span>
                ) : (
                  <ConfirmForm
                    action={props.action(key)}
                    csrfToken={props.csrfToken}
                    question={`Revoke the key “${key.name}”?`}
                    detail="Agents using it are refused from their next request. This cannot be undone."
                    confirmLabel="Revoke key"
                  >
                    <button type="submit" class="btn btn-danger btn-sm" aria-label={`Revoke ${key.name}`}>
                      Revoke
                    </button>
                  </ConfirmForm>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AgentKeysSection(props: {
  keys: AgentKey[];
  createAction: string;
  revokeAction: (key: AgentKey) => string;
  form: KeyForm;
  newKey?: { name: string; secret: string };
  messages: { kind: "success" | "error"; message: string }[];
  csrfToken: string;
}) {
  return (
    <section class="section" aria-labelledby="keys-title" id="keys">
      <div class="section-head">
        <h2 id="keys-title">Agent keys</h2>
        <p>Give each agent or client its own key, so that you can revoke one without touching the others.</p>
      </div>
      {props.messages.map((item) => (
        <div class="flashes">
          <Alert kind={item.kind}>{item.message}</Alert>
        </div>
      ))}
      {props.newKey ? <NewKey {...props.newKey} /> : null}
      <div class="card">
        <form method="post" action={props.createAction} class="card-body inline-form" novalidate>
          <CsrfField token={props.csrfToken} />
          <div class="field">
            <label for="key-name">New key name</label>
            <input
              class="input"
              id="key-name"
              name="name"
              value={props.form.values.name ?? ""}
              maxlength={100}
              required
              autocomplete="off"
              placeholder="e.g. Laptop, Claude Desktop"
              aria-invalid={props.form.error ? "true" : undefined}
              aria-describedby={props.form.error ? "key-name-error" : undefined}
            />
            <FieldError id="key-name-error" message={props.form.error} />
          </div>
          <div class="actions">
            <button type="submit" class="btn btn-primary">
              Create key
            </button>
          </div>
        </form>
        {props.keys.length === 0 ? (
          <div class="empty">
            <span class="empty-icon">
              <Icon name="key" size={22} />
            </span>
            <h3>No keys yet</h3>
            <p>Agents cannot connect to this gateway until it has a key.</p>
          </div>
        ) : (
          <KeyTable keys={props.keys} action={props.revokeAction} csrfToken={props.csrfToken} />
        )}
      </div>
    </section>
  );
}
