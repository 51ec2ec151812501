// `node --import tsx --import ./scripts/against-dist.mjs …`: every import of a product file under
// src/ resolves to its compiled twin under dist/ (src/x/y.ts → dist/x/y.js), so the tests — still
// TypeScript, run by tsx — exercise the built JavaScript that `partnerbill` runs. Test files under
// src/ (*.test.ts) stay as they are. Used by `npm test` when TEST_AGAINST=dist (scripts/test.mjs).
import { register } from "node:module";

register("./against-dist.hooks.mjs", import.meta.url);
