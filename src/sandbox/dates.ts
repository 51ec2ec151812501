// Calendar dates as the client area writes them (YYYY-MM-DD, UTC), and month arithmetic for
// service periods.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * The date `months` calendar months after `date`. A day the target month lacks becomes its last
 * day (2026-01-31 + 1 month = 2026-02-28), which is how billing periods are usually counted.
 */
export function addMonths(date: string, months: number): string {
  const m = ISO_DATE.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  const monthIndex = Number(m[1]) * 12 + (Number(m[2]) - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(Number(m[3]), lastDay);
  return `${String(year).padStart(4, "0")}-${String(month + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * How the sandbox sets a module's end date when it is ordered or renewed (a control, for tests of
 * partnerbill reading dates from upstream instead of computing them):
 *  - calendar: `from` + the period in calendar months (addMonths), the default;
 *  - days: `from` + the period × `days` days (e.g. 30-day months: 2027-01-31 + 1 → 2027-03-02);
 *  - fixed: always `date`, whatever the period.
 */
export type ExpiryRule = { rule: "calendar" } | { rule: "days"; days: number } | { rule: "fixed"; date: string };

export function expiryAfter(rule: ExpiryRule, from: string, months: number): string {
  if (rule.rule === "fixed") return rule.date;
  if (rule.rule === "calendar") return addMonths(from, months);
  const m = ISO_DATE.exec(from);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${from}`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + months * rule.days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
