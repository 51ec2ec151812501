// The operator's path in a real browser in Russian, checked on every page (axe-core, the W3C Nu
// checker, no horizontal scroll at 375 px, the page's language): see test/helpers/operator-walk.ts
// and docs/adr/0041-acceptance-harness.md. One file per language so the walks run in parallel.
import { operatorAcceptance } from "./helpers/operator-walk.ts";

operatorAcceptance("ru");
