import type { Child } from "hono/jsx";
import { CSRF_FIELD } from "./auth.ts";
import type { Flash } from "./session.ts";

/** Small building blocks shared by the pages. */

type IconName = "check" | "alert" | "plug" | "key" | "server" | "logo";

const iconPaths: Record<IconName, Child> = {
  check: <path d="M4 10.5l4 4 8-9" />,
  alert: (
    <>
      <circle cx="10" cy="10" r="7.5" />
      <path d="M10 6v5M10 13.5v.5" />
    </>
  ),
  plug: <path d="M7 3v4M13 3v4M5 7h10v3a5 5 0 0 1-10 0zM10 15v3" />,
  key: (
    <>
      <circle cx="7" cy="10" r="3.5" />
      <path d="M10.5 10H17M14.5 10v3M17 10v2" />
    </>
  ),
  server: (
    <>
      <rect x="3" y="3.5" width="14" height="5.5" rx="1.5" />
      <rect x="3" y="11" width="14" height="5.5" rx="1.5" />
      <path d="M6 6.25h.01M6 13.75h.01" />
    </>
  ),
  logo: <path d="M5 6.5h10M5 10h10M5 13.5h6M13.5 13.5l1.5 1.5 3-3.5" />,
};

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {iconPaths[name]}
    </svg>
  );
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

/**
 * A destructive action: a POST form with its CSRF token, confirmed in a dialog first when
 * scripts run (`static/app.js` reads the `data-confirm*` attributes).
 */
export function ConfirmForm(props: {
  action: string;
  csrfToken: string;
  question: string;
  detail: string;
  confirmLabel: string;
  children: Child;
}) {
  return (
    <form
      method="post"
      action={props.action}
      data-confirm={props.question}
      data-confirm-detail={props.detail}
      data-confirm-action={props.confirmLabel}
    >
      <CsrfField token={props.csrfToken} />
      {props.children}
    </form>
  );
}

export function Alert({
  kind,
  children,
  id,
}: {
  kind: "success" | "error" | "warn";
  children: Child;
  id?: string;
}) {
  return (
    <div class={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"} id={id}>
      <Icon name={kind === "success" ? "check" : "alert"} />
      <div>{children}</div>
    </div>
  );
}

/** Page-level messages (those not aimed at one card or form). */
export function Flashes({ flashes }: { flashes: Flash[] }) {
  const shown = flashes.filter(
    (flash): flash is Extract<Flash, { kind: "success" | "error" }> =>
      flash.kind !== "key-created" && !flash.target,
  );
  if (shown.length === 0) return null;
  return (
    <div class="flashes stack">
      {shown.map((flash) => (
        <Alert kind={flash.kind}>{flash.message}</Alert>
      ))}
    </div>
  );
}

/**
 * A boolean setting as a switch: a real checkbox (so the form works without JavaScript) with
 * `role="switch"` and `aria-checked`, operable with Space (and Enter, via the page script).
 */
export function Switch(props: {
  id: string;
  name: string;
  checked: boolean;
  label?: string;
  labelledBy?: string;
  describedBy?: string;
}) {
  return (
    <input
      type="checkbox"
      role="switch"
      id={props.id}
      name={props.name}
      checked={props.checked}
      aria-checked={props.checked ? "true" : "false"}
      aria-label={props.label}
      aria-labelledby={props.labelledBy}
      aria-describedby={props.describedBy}
    />
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="field-error" id={id}>
      {message}
    </p>
  );
}

/** A read-only value with a copy button (the button appears once the page script runs). */
export function CopyField({ id, value, label }: { id: string; value: string; label: string }) {
  return (
    <div class="input-group">
      <input
        class="input input-mono"
        id={id}
        value={value}
        readonly
        aria-label={label}
        spellcheck={false}
        autocomplete="off"
      />
      <button type="button" class="btn btn-secondary" data-copy={id} hidden aria-label={`Copy ${label}`}>
        Copy
      </button>
    </div>
  );
}

/** A code block with a copy button. */
export function CodeBlock({
  id,
  code,
  label,
  tab,
}: {
  id: string;
  code: string;
  label: string;
  tab?: string;
}) {
  return (
    <section class="snippet" aria-labelledby={`${id}-label`} data-tab={tab}>
      <div class="snippet-head">
        <h3 class="label" id={`${id}-label`}>
          {label}
        </h3>
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          data-copy={id}
          hidden
          aria-label={`Copy ${label}`}
        >
          Copy
        </button>
      </div>
      <pre id={id}>
        <code>{code}</code>
      </pre>
    </section>
  );
}

/** A date as UTC text; the page script shows it in the admin's time zone. */
export function Time({ date }: { date: Date | null | undefined }) {
  if (!date) return <span class="muted">Never</span>;
  const iso = date.toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`}</time>;
}
