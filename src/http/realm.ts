// Which session realm a path belongs to: /admin/… is the staff realm (the console), every other page
// the customer realm, each with its own session cookie (src/http/session.ts).
import type { Realm } from "../modules/accounts/sessions.service.ts";

export function realmOfPath(url: string): Realm {
  const path = url.split("?", 1)[0] ?? "";
  return path === "/admin" || path.startsWith("/admin/") ? "staff" : "customer";
}
