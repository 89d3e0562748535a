import type { Gateway } from "@gateway/db";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { createGatewayInput, createKeyInput } from "../admin/schemas.ts";
import {
  addGateway,
  addKey,
  gatewayCapabilities,
  keysOf,
  listGatewaySummaries,
  mcpPath,
  removeGateway,
  requireGateway,
  revokeKey,
  setCapability,
} from "../admin/service.ts";
import type { AppDeps } from "../deps.ts";
import { HttpProblem } from "../problem.ts";
import { createAssetRoutes } from "./assets.ts";
import {
  clearSessionCookie,
  requireCsrfToken,
  requireSession,
  SESSION_COOKIE,
  SignInThrottle,
  safeNextPath,
  sameOrigin,
  setSessionCookie,
  type WebEnv,
} from "./auth.ts";
import {
  capabilityCards,
  cardTarget,
  catalogEntries,
  type RejectedSubmission,
  submittedValues,
} from "./capability-cards.ts";
import type { KeyForm } from "./pages/agent-keys.tsx";
import { ErrorPage } from "./pages/error.tsx";
import { GatewaySettingsPage } from "./pages/gateway-settings.tsx";
import { type CreateGatewayForm, GatewaysPage, settingsPath } from "./pages/gateways.tsx";
import { SignInPage } from "./pages/sign-in.tsx";
import { type Flash, SessionStore } from "./session.ts";
import { settingsFromForm } from "./settings-form.ts";

/** No inline script or style, nothing from elsewhere: the pages load only their own two files. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const pageHeaders: MiddlewareHandler<WebEnv> = async function pageHeaders(c, next) {
  await next();
  c.header("content-security-policy", CONTENT_SECURITY_POLICY);
  c.header("x-content-type-options", "nosniff");
  c.header("x-frame-options", "DENY");
  c.header("referrer-policy", "same-origin");
  // Pages can hold a new key's secret: never cache them.
  c.header("cache-control", "no-store");
};

const formLimit = bodyLimit({
  maxSize: 64 * 1024,
  onError: () => {
    throw new HttpProblem(413, "The form is too large.");
  },
});

type Form = Record<string, string | File | (string | File)[]>;
const text = (form: Form, name: string) => {
  const value = form[name];
  return typeof value === "string" ? value : "";
};

/** `must not be empty` → `Name must not be empty.` */
const sentence = (label: string, message: string) => `${label} ${message.replace(/\.$/, "")}.`;
const capitalized = (message: string) =>
  `${message.charAt(0).toUpperCase()}${message.slice(1).replace(/\.$/, "")}.`;

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // in-process requests (tests) have no socket
  }
}

/**
 * The settings pages at `/`: sign-in, gateways, one settings page per gateway. They call the same
 * admin operations as the REST API (`admin/service.ts`); this file only turns forms into calls and
 * results into pages.
 */
export function createWebRoutes(deps: AppDeps) {
  const web = new Hono<WebEnv>();
  const sessions = new SessionStore();
  const throttle = new SignInThrottle();
  const catalog = catalogEntries(deps.registry);
  const session = requireSession(sessions);
  const origin = sameOrigin(deps.env);
  const csrf = requireCsrfToken();
  /** Every state-changing form: signed in, sent from this site, carrying the session's token. */
  const change = [formLimit, session, origin, csrf] as const;

  for (const path of ["/", "/sign-in", "/sign-out", "/settings", "/settings/*"]) web.use(path, pageHeaders);
  web.route("/", createAssetRoutes());

  web.onError((error, c) => {
    const problem =
      error instanceof HttpProblem
        ? error
        : new HttpProblem(500, `Internal error (request id ${c.get("requestId")}).`);
    if (!(error instanceof HttpProblem)) {
      deps.logger.error({ err: error, requestId: c.get("requestId") }, "unhandled error on a settings page");
    }
    const current = c.get("session") ?? sessions.get(getCookie(c, SESSION_COOKIE));
    if (!current) {
      return c.html(SignInPage({ next: "/", error: problem.message }), problem.status);
    }
    return c.html(
      ErrorPage({ status: problem.status, message: problem.message, csrfToken: current.csrfToken }),
      problem.status,
    );
  });

  const publicBase = (c: Context) => (deps.env.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
  const flash = (c: Context<WebEnv>, item: Flash) => {
    const { flashes } = c.get("session");
    flashes.push(item);
    if (flashes.length > 10) flashes.splice(0, flashes.length - 10);
  };

  // ---------- Sign-in and sign-out ----------

  web.get("/sign-in", (c) => {
    const next = safeNextPath(c.req.query("next"));
    if (sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect(next, 303);
    return c.html(SignInPage({ next, signedOut: c.req.query("signed-out") !== undefined }));
  });

  web.post("/sign-in", formLimit, origin, async (c) => {
    const form: Form = await c.req.parseBody();
    const next = safeNextPath(text(form, "next"));
    const address = clientAddress(c);
    const wait = throttle.blockedFor(address);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      const error = `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
      return c.html(SignInPage({ next, error }), 429);
    }
    if (!deps.admin.verify(text(form, "token").trim())) {
      throttle.fail(address);
      deps.logger.warn({ requestId: c.get("requestId") }, "settings page sign-in refused");
      return c.html(SignInPage({ next, error: "That admin token is not right." }), 401);
    }
    throttle.succeed(address);
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous) sessions.destroy(previous);
    const created = sessions.create();
    setSessionCookie(c, deps.env, created, sessions);
    return c.redirect(next, 303);
  });

  web.post("/sign-out", ...change, (c) => {
    sessions.destroy(c.get("session").id);
    clearSessionCookie(c, deps.env);
    return c.redirect("/sign-in?signed-out", 303);
  });

  // ---------- Gateways ----------

  const gatewaysPage = (
    c: Context<WebEnv>,
    form: CreateGatewayForm = { values: {}, errors: {} },
    status: ContentfulStatusCode = 200,
  ) => {
    const { csrfToken } = c.get("session");
    const page = GatewaysPage({
      gateways: listGatewaySummaries(deps),
      capabilityNames: new Map([...catalog.values()].map((entry) => [entry.id, entry.name])),
      form,
      flashes: SessionStore.takeFlashes(c.get("session")),
      csrfToken,
    });
    return c.html(page, status);
  };

  web.get("/", session, (c) => gatewaysPage(c));
  web.get("/settings", session, (c) => c.redirect("/", 303));

  web.post("/settings", ...change, async (c) => {
    const form: Form = await c.req.parseBody();
    const values = { name: text(form, "name"), slug: text(form, "slug") };
    const parsed = createGatewayInput.safeParse({
      name: values.name,
      ...(values.slug.trim() ? { slug: values.slug } : {}),
    });
    if (!parsed.success) {
      const errors: CreateGatewayForm["errors"] = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] === "slug" ? "slug" : "name";
        errors[field] ??= sentence(field === "slug" ? "Slug" : "Name", issue.message);
      }
      return gatewaysPage(c, { values, errors }, 400);
    }
    try {
      const gateway = addGateway(deps, parsed.data);
      flash(c, {
        kind: "success",
        message: `Created the gateway “${gateway.name}”. Turn on its capabilities below.`,
      });
      return c.redirect(settingsPath(gateway), 303);
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status !== 409) throw error;
      const field = error.extra.field === "slug" ? "slug" : "form";
      return gatewaysPage(c, { values, errors: { [field]: capitalized(error.message) } }, 409);
    }
  });

  // ---------- One gateway's settings ----------

  const settingsPage = (
    c: Context<WebEnv>,
    gateway: Gateway,
    options: { rejected?: RejectedSubmission; keyForm?: KeyForm; status?: ContentfulStatusCode } = {},
  ) => {
    const current = c.get("session");
    const flashes = SessionStore.takeFlashes(current);
    const page = GatewaySettingsPage({
      gateway,
      mcpUrl: `${publicBase(c)}${mcpPath(gateway)}`,
      capabilities: capabilityCards(
        catalog,
        gatewayCapabilities(deps, gateway.id),
        flashes,
        options.rejected,
      ),
      keys: keysOf(deps, gateway.id),
      keyForm: options.keyForm ?? { values: {} },
      flashes,
      csrfToken: current.csrfToken,
    });
    return c.html(page, options.status ?? 200);
  };

  web.get("/settings/:slug", session, (c) => settingsPage(c, requireGateway(deps, c.req.param("slug"))));

  web.post("/settings/:slug/delete", ...change, (c) => {
    const gateway = requireGateway(deps, c.req.param("slug"));
    removeGateway(deps, gateway.id);
    flash(c, { kind: "success", message: `Deleted the gateway “${gateway.name}”.` });
    return c.redirect("/", 303);
  });

  web.post("/settings/:slug/capabilities/:capability", ...change, async (c) => {
    const gateway = requireGateway(deps, c.req.param("slug"));
    const entry = catalog.get(c.req.param("capability"));
    if (!entry) throw new HttpProblem(404, `No capability "${c.req.param("capability")}".`);
    const form: Form = await c.req.parseBody();
    const enabled = form.enabled === "on" || form.enabled === "true";
    const saved = gatewayCapabilities(deps, gateway.id).find((item) => item.id === entry.id);
    const { settings, errors } = settingsFromForm(entry.fields, form, saved?.settings);
    const reject = (fieldErrors: RejectedSubmission["errors"], message: string) =>
      settingsPage(c, gateway, {
        status: 400,
        rejected: {
          capabilityId: entry.id,
          enabled,
          values: submittedValues(entry.fields, form),
          errors: fieldErrors,
          message,
        },
      });
    if (errors.length > 0) return reject(errors, "Not saved: check the highlighted settings.");
    try {
      const result = setCapability(deps, gateway.id, entry.id, { enabled, settings });
      const tools =
        result.tools.length > 0 ? ` Tools offered: ${result.tools.join(", ")}.` : " It offers no tools.";
      flash(c, {
        kind: "success",
        target: cardTarget(entry.id),
        message: result.enabled ? `Saved. ${entry.name} is on.${tools}` : `Saved. ${entry.name} is off.`,
      });
      return c.redirect(`${settingsPath(gateway)}#${cardTarget(entry.id)}`, 303);
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status !== 400) throw error;
      return reject(error.extra.errors ?? [], `Not saved: ${error.message}`);
    }
  });

  web.post("/settings/:slug/keys", ...change, async (c) => {
    const gateway = requireGateway(deps, c.req.param("slug"));
    const form: Form = await c.req.parseBody();
    const name = text(form, "name");
    const parsed = createKeyInput.safeParse({ name });
    if (!parsed.success) {
      const error = sentence("Name", parsed.error.issues[0]?.message ?? "is not valid");
      return settingsPage(c, gateway, { status: 400, keyForm: { values: { name }, error } });
    }
    const key = addKey(deps, gateway.id, parsed.data);
    flash(c, { kind: "key-created", name: key.name, secret: key.secret });
    return c.redirect(`${settingsPath(gateway)}#keys`, 303);
  });

  web.post("/settings/:slug/keys/:key/revoke", ...change, (c) => {
    const gateway = requireGateway(deps, c.req.param("slug"));
    const key = keysOf(deps, gateway.id).find((item) => item.id === c.req.param("key"));
    revokeKey(deps, gateway.id, c.req.param("key"));
    flash(c, {
      kind: "success",
      target: "keys",
      message: `Revoked the key “${key?.name ?? c.req.param("key")}”.`,
    });
    return c.redirect(`${settingsPath(gateway)}#keys`, 303);
  });

  return web;
}
