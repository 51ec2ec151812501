#!/usr/bin/env node
// The one entry point: registers the TypeScript loader (tsx) and hands over to the CLI.
// Running from source keeps `npm install && npm start` a two-command install with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
