import { timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Env } from "../env.ts";
import { HttpProblem } from "../problem.ts";
import type { Session, SessionStore } from "./session.ts";

export type WebEnv = { Variables: { requestId: string; session: Session } };

export const SESSION_COOKIE = "mcpgw_session";
export const CSRF_FIELD = "_csrf";

/** Cookies get `Secure` when the admin reaches the gateway over HTTPS (directly or via PUBLIC_URL). */
function isHttps(c: Context, env: Env): boolean {
  return new URL(c.req.url).protocol === "https:" || env.PUBLIC_URL?.startsWith("https:") === true;
}

export function setSessionCookie(c: Context, env: Env, session: Session, store: SessionStore): void {
  setCookie(c, SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c, env),
    path: "/",
    maxAge: Math.floor(store.ttlMs / 1000),
  });
}

export function clearSessionCookie(c: Context, env: Env): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c, env), httpOnly: true, sameSite: "Strict" });
}

/** Only same-site paths are followed after sign-in (no `//host` or `/\host` open redirects). */
export function safeNextPath(next: string | undefined | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next.length > 500 ? "/" : next;
}

/** Pages need a session; without one the browser goes to sign-in and comes back afterwards. */
export function requireSession(store: SessionStore): MiddlewareHandler<WebEnv> {
  return async function requireSession(c, next) {
    const session = store.get(getCookie(c, SESSION_COOKIE));
    if (!session) {
      const url = new URL(c.req.url);
      const back = c.req.method === "GET" ? url.pathname + url.search : "/";
      const query = back === "/" ? "" : `?next=${encodeURIComponent(back)}`;
      return c.redirect(`/sign-in${query}`, 303);
    }
    c.set("session", session);
    await next();
  };
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Refuses a request the browser marks as cross-site (Sec-Fetch-Site, Origin). Used on every POST,
 * including sign-in, which has no session yet.
 */
export function sameOrigin(env: Env): MiddlewareHandler<WebEnv> {
  const publicOrigin = env.PUBLIC_URL ? new URL(env.PUBLIC_URL).origin : undefined;
  return async function sameOrigin(c, next) {
    const site = c.req.header("sec-fetch-site");
    if (site && site !== "same-origin" && site !== "none") {
      throw new HttpProblem(403, "This form was sent from another site and was refused.");
    }
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      // Behind a TLS proxy the request URL may say http: while the browser says https:.
      const host = new URL(c.req.url).host;
      let allowed = origin === publicOrigin;
      if (!allowed && origin !== "null") allowed = URL.canParse(origin) && new URL(origin).host === host;
      if (!allowed) throw new HttpProblem(403, "This form was sent from another site and was refused.");
    }
    await next();
  };
}

/** Every state-changing form carries the session's CSRF token; a missing or wrong one is refused. */
export function requireCsrfToken(): MiddlewareHandler<WebEnv> {
  return async function requireCsrfToken(c, next) {
    const body = await c.req.parseBody();
    const sent = body[CSRF_FIELD];
    if (typeof sent !== "string" || !sameToken(sent, c.get("session").csrfToken)) {
      throw new HttpProblem(
        403,
        "The form's security token is missing or out of date. Reload the page and try again.",
      );
    }
    await next();
  };
}

/**
 * Slows down token guessing: after `limit` failed sign-ins from one address within `windowMs`,
 * further attempts from it are refused until the window ends.
 */
export class SignInThrottle {
  readonly #failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit = 10,
    readonly windowMs = 5 * 60 * 1000,
    readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until this address may try again, or 0. */
  blockedFor(address: string): number {
    const entry = this.#failures.get(address);
    if (!entry) return 0;
    const left = entry.resetAt - this.now();
    if (left <= 0) {
      this.#failures.delete(address);
      return 0;
    }
    return entry.count >= this.limit ? left : 0;
  }

  fail(address: string): void {
    const now = this.now();
    if (this.#failures.size > 10_000) {
      for (const [key, entry] of this.#failures) if (entry.resetAt <= now) this.#failures.delete(key);
    }
    const entry = this.#failures.get(address);
    if (!entry || entry.resetAt <= now)
      this.#failures.set(address, { count: 1, resetAt: now + this.windowMs });
    else entry.count++;
  }

  succeed(address: string): void {
    this.#failures.delete(address);
  }
}
