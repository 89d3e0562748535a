import type { Child } from "hono/jsx";
import { raw } from "hono/utils/html";
import { assets, assetUrl } from "./assets.ts";
import { CsrfField, Icon } from "./components.tsx";

const doctype = raw("<!doctype html>");

function Head({ title }: { title: string }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <meta name="referrer" content="same-origin" />
      <title>{`${title} · MCP Gateway`}</title>
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href={assetUrl(assets.css)} />
      <script src={assetUrl(assets.js)} defer />
    </head>
  );
}

export function Brand() {
  return (
    <span class="brand">
      <span class="brand-mark">
        <Icon name="logo" size={18} />
      </span>
      <span>
        MCP Gateway<span class="brand-name-long muted"> · Admin</span>
      </span>
    </span>
  );
}

/** The frame of every signed-in page: top bar with sign-out, main column, confirm dialog. */
export function Layout(props: { title: string; csrfToken: string; current?: "gateways"; children: Child }) {
  return (
    <>
      {doctype}
      <html lang="en">
        <Head title={props.title} />
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="topbar">
            <div class="topbar-inner">
              <a href="/" aria-label="MCP Gateway: all gateways">
                <Brand />
              </a>
              <nav aria-label="Main">
                <a
                  class="nav-link nav-home"
                  href="/"
                  aria-current={props.current === "gateways" ? "page" : undefined}
                >
                  Gateways
                </a>
                <form method="post" action="/sign-out">
                  <CsrfField token={props.csrfToken} />
                  <button type="submit" class="btn btn-ghost btn-sm">
                    Sign out
                  </button>
                </form>
              </nav>
            </div>
          </header>
          <main id="main">{props.children}</main>
          <dialog id="confirm-dialog" aria-labelledby="confirm-title">
            <form method="dialog">
              <div class="card-body">
                <h2 id="confirm-title" data-confirm-title>
                  Are you sure?
                </h2>
                <p data-confirm-detail />
              </div>
              <div class="card-foot">
                <button type="submit" value="cancel" class="btn btn-secondary" data-confirm-cancel>
                  Cancel
                </button>
                <button type="submit" value="ok" class="btn btn-danger-solid" data-confirm-ok>
                  Confirm
                </button>
              </div>
            </form>
          </dialog>
        </body>
      </html>
    </>
  );
}

/** The frame of pages without a session (sign-in). */
export function BareLayout(props: { title: string; children: Child }) {
  return (
    <>
      {doctype}
      <html lang="en">
        <Head title={props.title} />
        <body>
          <main class="auth" id="main">
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}
