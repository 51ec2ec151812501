// Resolve hook of scripts/against-dist.mjs.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const SRC = new URL("../src/", import.meta.url).href;
const DIST = new URL("../dist/", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  if (!r.url.startsWith(SRC) || !r.url.endsWith(".ts") || r.url.endsWith(".test.ts")) return r;
  const built = DIST + r.url.slice(SRC.length, -".ts".length) + ".js";
  if (!existsSync(fileURLToPath(built))) throw new Error(`${fileURLToPath(r.url)} has no build in dist/: run npm run build`);
  return { url: pathToFileURL(fileURLToPath(built)).href, format: "module", shortCircuit: true };
}
