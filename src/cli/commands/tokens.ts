// `partnerbill tokens create|list|revoke`: API tokens for /api/v1 (ADR 0017). A token's text is
// printed once by `create`; only its hash is stored, so a lost token is revoked and replaced.
import type { Command } from "commander";
import { SCOPE_NAMES, SCOPES } from "../../modules/api-tokens/api-tokens.logic.ts";
import { cliAuditContext, withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

const cliContext = cliAuditContext;

const collect = (v: string, acc: string[]) => [...acc, v];

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("API tokens for the JSON API (/api/v1)");

  tokens
    .command("create <name>")
    .description(`Create a token and print it once. Scopes: ${SCOPE_NAMES.join(", ")}`)
    .requiredOption("--scope <scope>", "a scope (repeat, or comma-separate)", collect, [] as string[])
    .action(async (name: string, opts: { scope: string[] }) =>
      withContainer(async (c) => {
        const r = await c.apiTokens.create({ name, scopes: opts.scope }, cliContext());
        process.stdout.write(`Token ${r.view.id} "${r.view.name}" created with scopes ${r.view.scopes.join(", ")}.\n`);
        process.stdout.write(`Shown once; keep it secret and send it as "Authorization: Bearer <token>":\n  ${r.token}\n`);
      }),
    );

  tokens
    .command("list")
    .description("List tokens (never their secrets)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const rows = await c.apiTokens.list();
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        printTable(
          ["id", "name", "prefix", "scopes", "created by", "created", "last used", "status"],
          rows.map((t) => [t.id, t.name, t.prefix, t.scopes.join(" "), t.createdBy, t.createdAt, t.lastUsedAt ?? "never", t.revokedAt ? `revoked ${t.revokedAt}` : "active"]),
        );
      }),
    );

  tokens
    .command("revoke <id>")
    .description("Revoke a token at once (its next request is refused)")
    .action(async (id: string) =>
      withContainer(async (c) => {
        const t = await c.apiTokens.revoke(id, cliContext());
        process.stdout.write(`Token ${t.id} "${t.name}" revoked at ${t.revokedAt}.\n`);
      }),
    );

  tokens
    .command("scopes")
    .description("List the scopes a token can carry")
    .action(() => {
      for (const s of SCOPE_NAMES) process.stdout.write(`${s.padEnd(16)} ${SCOPES[s]}\n`);
    });
}
