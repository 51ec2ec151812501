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
