import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Hono } from "hono";

/** The pages' own stylesheet and script, read once at start-up and served with a content hash. */
interface Asset {
  path: string;
  body: string;
  type: string;
  hash: string;
}

function load(file: string, type: string): Asset {
  const body = readFileSync(new URL(`./static/${file}`, import.meta.url), "utf8");
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  return { path: `/assets/${file}`, body, type, hash };
}

export const assets = {
  css: load("app.css", "text/css; charset=utf-8"),
  js: load("app.js", "text/javascript; charset=utf-8"),
};

/** The URL to put in a page: it changes whenever the file does, so it can be cached for good. */
export const assetUrl = (asset: Asset) => `${asset.path}?v=${asset.hash}`;

export function createAssetRoutes() {
  const routes = new Hono();
  for (const asset of Object.values(assets)) {
    routes.get(asset.path, (c) => {
      const current = c.req.query("v") === asset.hash;
      return c.body(asset.body, 200, {
        "content-type": asset.type,
        "cache-control": current ? "public, max-age=31536000, immutable" : "no-cache",
        "x-content-type-options": "nosniff",
      });
    });
  }
  return routes;
}
