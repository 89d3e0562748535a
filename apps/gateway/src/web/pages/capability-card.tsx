import { Alert, CsrfField, FieldError, Switch } from "../components.tsx";
import {
  type FieldError as FieldErrorItem,
  type FormValues,
  format,
  type SettingsField,
} from "../settings-form.ts";

/** What one capability card shows: its catalog entry and this gateway's state (saved or as submitted). */
export interface CapabilityCardData {
  id: string;
  name: string;
  description: string;
  /** Saved state: shown in the badge and the tool list. */
  savedEnabled: boolean;
  /** Every tool of the capability, and which of them the gateway offers now. */
  tools: { name: string; title: string; active: boolean }[];
  fields: SettingsField[];
  /** The form's state: the saved settings, or what was submitted when saving failed. */
  enabled: boolean;
  values: FormValues;
  errors: FieldErrorItem[];
  message?: { kind: "success" | "error"; text: string };
}

const domId = (name: string) => name.replaceAll(".", "-");

function describedBy(...ids: (string | false | undefined)[]) {
  const list = ids.filter(Boolean).join(" ");
  return list || undefined;
}

/** "max 512 · default 128": the server's maximum and the default, under the field. */
function numberHint(field: Extract<SettingsField, { kind: "number" }>) {
  const parts: string[] = [];
  if (field.maximum !== undefined) parts.push(`max ${format(field.maximum)}`);
  if (field.default !== undefined) parts.push(`default ${format(field.default)}`);
  return parts.join(" · ");
}

function Field(props: {
  prefix: string;
  field: SettingsField;
  values: FormValues;
  errors: Map<string, string>;
}) {
  const { field, values, errors } = props;
  const id = `${props.prefix}-${domId(field.name)}`;
  const error = errors.get(field.name);
  const errorId = error ? `${id}-error` : undefined;
  const hintId = `${id}-hint`;
  const value = values[field.name];
  switch (field.kind) {
    case "group":
      return (
        <fieldset class="group">
          <legend>{field.title}</legend>
          {field.description ? <p class="group-description">{field.description}</p> : null}
          <div class={field.fields.every((child) => child.kind === "boolean") ? "switch-list" : "grid"}>
            {field.fields.map((child) => (
              <Field prefix={props.prefix} field={child} values={values} errors={errors} />
            ))}
          </div>
        </fieldset>
      );
    case "boolean":
      return (
        <div class="switch-row">
          <label class="switch" for={id}>
            <Switch
              id={id}
              name={field.name}
              checked={value === true}
              describedBy={describedBy(field.description && hintId, errorId)}
            />
            <span>{field.title}</span>
          </label>
          {field.description ? (
            <p class="hint switch-hint" id={hintId}>
              {field.description}
            </p>
          ) : null}
          <FieldError id={`${id}-error`} message={error} />
        </div>
      );
    case "number": {
      const hint = numberHint(field);
      return (
        <div class="field">
          <label for={id}>{field.title}</label>
          <input
            class="input"
            type="number"
            inputmode="numeric"
            id={id}
            name={field.name}
            value={value === undefined || value === null ? "" : String(value)}
            min={field.minimum}
            max={field.maximum}
            step={field.integer ? 1 : "any"}
            required
            aria-invalid={error ? "true" : undefined}
            aria-describedby={describedBy(errorId, hintId)}
          />
          <FieldError id={`${id}-error`} message={error} />
          <p class="hint" id={hintId}>
            {hint ? <span class="limit">{hint}</span> : null}
            {field.description ? <span>{field.description}</span> : null}
          </p>
        </div>
      );
    }
    case "string":
    case "choice":
      return (
        <div class="field">
          <label for={id}>{field.title}</label>
          {field.kind === "choice" ? (
            <select
              class="input"
              id={id}
              name={field.name}
              aria-invalid={error ? "true" : undefined}
              aria-describedby={describedBy(errorId, field.description && hintId)}
            >
              {field.options.map((option) => (
                <option value={option} selected={option === value}>
                  {option}
                </option>
              ))}
            </select>
          ) : (
            <input
              class="input"
              id={id}
              name={field.name}
              value={typeof value === "string" ? value : ""}
              maxlength={field.maxLength}
              aria-invalid={error ? "true" : undefined}
              aria-describedby={describedBy(errorId, field.description && hintId)}
            />
          )}
          <FieldError id={`${id}-error`} message={error} />
          {field.description ? (
            <p class="hint" id={hintId}>
              {field.description}
            </p>
          ) : null}
        </div>
      );
    case "other":
      return (
        <div class="field">
          <span class="label">{field.title}</span>
          <p class="hint">Change this setting through the admin API.</p>
        </div>
      );
  }
}

/** One built-in capability: its description, the enable switch, its settings and Save. */
export function CapabilityCard(props: { cap: CapabilityCardData; action: string; csrfToken: string }) {
  const { cap } = props;
  const prefix = `cap-${cap.id}`;
  const errors = new Map(cap.errors.map((error) => [error.field, error.message]));
  const stray = cap.errors.filter((error) => !error.field.startsWith("settings."));
  return (
    <form
      method="post"
      action={props.action}
      class="card"
      id={prefix}
      aria-labelledby={`${prefix}-title`}
      data-track-changes
      novalidate
    >
      <CsrfField token={props.csrfToken} />
      <div class="card-body">
        <div class="cap-head">
          <div>
            <div class="cap-title">
              <h3 id={`${prefix}-title`}>{cap.name}</h3>
              {cap.savedEnabled ? (
                <span class="badge badge-on badge-dot">On</span>
              ) : (
                <span class="badge badge-off">Off</span>
              )}
            </div>
            <p class="cap-description">{cap.description}</p>
          </div>
          <label class="switch" for={`${prefix}-enabled`}>
            <span id={`${prefix}-enable-label`}>Enable</span>
            <Switch
              id={`${prefix}-enabled`}
              name="enabled"
              checked={cap.enabled}
              labelledBy={`${prefix}-enable-label ${prefix}-title`}
            />
          </label>
        </div>
        {cap.tools.length > 0 ? (
          <div class="cap-tools">
            <span>Tools offered:</span>
            {cap.tools.map((tool) => (
              <span class={tool.active ? "chip" : "chip chip-off"} title={tool.title}>
                {tool.name}
              </span>
            ))}
          </div>
        ) : null}
        {cap.fields.some((field) => field.kind !== "group") ? (
          <fieldset class="group">
            <legend>Settings</legend>
            <div class="grid">
              {cap.fields
                .filter((field) => field.kind !== "group")
                .map((field) => (
                  <Field prefix={prefix} field={field} values={cap.values} errors={errors} />
                ))}
            </div>
          </fieldset>
        ) : null}
        {cap.fields
          .filter((field) => field.kind === "group")
          .map((field) => (
            <Field prefix={prefix} field={field} values={cap.values} errors={errors} />
          ))}
        {stray.length > 0 ? (
          <div class="card-alert">
            <Alert kind="error">{stray.map((error) => error.message).join(" ")}</Alert>
          </div>
        ) : null}
      </div>
      <div class="card-foot">
        {cap.message ? (
          <div class="save-message" data-save-message>
            <Alert kind={cap.message.kind} id={`${prefix}-message`}>
              {cap.message.text}
            </Alert>
          </div>
        ) : null}
        <span class="dirty-note" data-dirty-note hidden>
          Unsaved changes
        </span>
        <button
          type="submit"
          class="btn btn-primary"
          aria-describedby={cap.message ? `${prefix}-message` : undefined}
        >
          Save
        </button>
      </div>
    </form>
  );
}
