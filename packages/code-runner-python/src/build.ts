/** `pnpm build`: bundles the Python worker and snapshot builder into `dist/`. */
import { buildBundles } from "./bundles.ts";
import { DIST_DIR } from "./paths.ts";

await buildBundles(DIST_DIR);
