// `partnerbill staff add|list|password|disable|enable|totp-off`: staff accounts of the admin
// console. A password never comes from an argument (shell history, ps): it is generated and
// printed once, or read from stdin with --password-stdin.
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import type { StaffView } from "../../modules/accounts/staff-auth.service.ts";
import { withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** 20 characters of base64url: about 120 bits. */
function generatedPassword(): string {
  return randomBytes(15).toString("base64url");
}

async function passwordFrom(opts: { passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (opts.passwordStdin) return { password: await readStdin(), generated: false };
  return { password: generatedPassword(), generated: true };
}

function printGenerated(email: string, password: string): void {
  process.stdout.write(`Password for ${email} (shown once; sign in at /admin/login and keep it safe):\n  ${password}\n`);
}

function describe(v: StaffView): string {
  return `${v.id} <${v.email}> ${v.role}${v.disabled ? ", disabled" : ""}${v.totp ? ", two-factor on" : ""}`;
}

export function registerStaff(program: Command): void {
  const staff = program.command("staff").description("Staff accounts of the admin console (/admin)");

  staff
    .command("add <email>")
    .description("Create a staff account; its password is generated and printed once (or read with --password-stdin)")
    .requiredOption("--role <role>", "owner (everything, including staff and settings), staff, or support (read-only)")
    .option("--password-stdin", "read the password from stdin instead of generating one")
    .action(async (email: string, opts: { role: string; passwordStdin?: boolean }) =>
      withContainer(async (c) => {
        const { password, generated } = await passwordFrom(opts);
        const v = await c.staffAuth.add({ email, role: opts.role, password });
        process.stdout.write(`Staff user ${describe(v)} created.\n`);
        if (generated) printGenerated(v.email, password);
      }),
    );

  staff
    .command("list")
    .description("List staff accounts")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const rows = await c.staffAuth.list();
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        printTable(
          ["id", "email", "role", "two-factor", "status", "created", "last login"],
          rows.map((r) => [r.id, r.email, r.role, r.totp ? "on" : "off", r.disabled ? "disabled" : "active", r.createdAt, r.lastLoginAt ?? "never"]),
        );
      }),
    );

  staff
    .command("password <email>")
    .description("Set a new password (generated and printed once, or --password-stdin); signs the user out everywhere")
    .option("--password-stdin", "read the password from stdin instead of generating one")
    .action(async (email: string, opts: { passwordStdin?: boolean }) =>
      withContainer(async (c) => {
        const { password, generated } = await passwordFrom(opts);
        const v = await c.staffAuth.setPassword(email, password);
        process.stdout.write(`New password set for ${describe(v)}; their sessions ended.\n`);
        if (generated) printGenerated(v.email, password);
      }),
    );

  staff
    .command("disable <email>")
    .description("Stop a staff user from signing in; signs them out everywhere")
    .action(async (email: string) =>
      withContainer(async (c) => {
        const v = await c.staffAuth.setDisabled(email, true);
        process.stdout.write(`Disabled ${describe(v)}.\n`);
      }),
    );

  staff
    .command("alert-emails <email> <on|off>")
    .description("E-mail this staff user when a new kind of alert opens (one e-mail per kind while it stays open)")
    .action(async (email: string, onOff: string) =>
      withContainer(async (c) => {
        if (onOff !== "on" && onOff !== "off") throw new Error("Say on or off");
        await c.alerts.setAlertEmails(email, onOff === "on");
        process.stdout.write(`Alert e-mails ${onOff} for ${email}.\n`);
      }),
    );

  staff
    .command("enable <email>")
    .description("Let a disabled staff user sign in again")
    .action(async (email: string) =>
      withContainer(async (c) => {
        const v = await c.staffAuth.setDisabled(email, false);
        process.stdout.write(`Enabled ${describe(v)}.\n`);
      }),
    );

  staff
    .command("totp-off <email>")
    .description("Remove a staff user's two-factor authentication (a lost phone); signs them out everywhere")
    .action(async (email: string) =>
      withContainer(async (c) => {
        const v = await c.staffAuth.removeTotp(email);
        process.stdout.write(`Two-factor authentication removed for ${describe(v)}.\n`);
      }),
    );
}
