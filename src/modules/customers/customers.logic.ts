// Pure rules about customers.
import { invalidInput } from "../../lib/errors.ts";

// Deliberately simple: one @, no spaces, a dot in the domain. Real validation is the e-mail
// verification link (customers-and-money issue).
const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,253}\.[^\s@<>".]{2,63}$/;

export function normalizeEmail(input: string): string {
  const email = input.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw invalidInput(`"${input.slice(0, 100)}" is not an e-mail address`, { messageKey: "form.email.invalid", values: { example: "name@example.com" } });
  return email;
}
