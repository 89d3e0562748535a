import { vitestConfig } from "@gateway/vitest-config";

export default vitestConfig();
