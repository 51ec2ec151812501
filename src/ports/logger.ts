// The logger as code below src/app/ sees it: pino's interface (src/app/logger.ts builds the one
// with redaction). A type only, so the job machinery and the upstream client need not import src/app/.
export type { Logger } from "pino";
