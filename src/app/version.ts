// partnerbill's version, from package.json (one level above src/ and dist/ alike): printed by
// `partnerbill --version`, in the start-up lines and in /healthz.
import { createRequire } from "node:module";

export const VERSION: string = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
