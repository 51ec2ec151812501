// Regenerates docs/CONFIG.md from the config schema (a test checks that it is up to date).
import { writeFileSync } from "node:fs";
import { configReference } from "../src/app/config.ts";

writeFileSync(new URL("../docs/CONFIG.md", import.meta.url), configReference());
console.log("docs/CONFIG.md written");
