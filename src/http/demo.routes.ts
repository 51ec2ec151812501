// The demo ispmanager panel (DESIGN.md §8), served only with UPSTREAM_URL=sandbox: a page that
// plays the panel's Modules page so a newcomer can walk the whole flow in a browser. It does what
// a panel does and nothing more: it reads partnerbill's price list over real HTTP (the same
// request a panel sends, PROTOCOL.md §2.1), offers Buy as the panel's redirect (§2.4), and learns
// what is installed on its license only from the license information it last fetched — on first
// view, and again when "Update license information" is pressed (§1, step 4). So after a purchase
// the module shows as installed only after that button, exactly as in ispmanager.
//
// Decisions: docs/adr/0012-demo-panel.md.
import type { AddressInfo } from "node:net";
import type { FastifyInstance, FastifyReply } from "fastify";
import { createRequire } from "node:module";
import type { Agent } from "undici";
import type { Container } from "../app/container.ts";
import { AppError, invalidInput, notFound } from "../lib/errors.ts";
import { html, raw, type SafeHtml } from "../lib/html.ts";
import { parseDecimal, type Money } from "../lib/money.ts";
import { formatDate, formatDateTime, formatMoney } from "../i18n/format.ts";
import type { Locale } from "../i18n/locales.ts";
import { t, tHtml } from "../i18n/t.ts";
import { pageLocale } from "./locale.ts";
import { child, childrenNamed, field, parseDocument } from "../upstream/document.ts";
import type { UpstreamLicense, UpstreamModule } from "../upstream/types.ts";
import { sendError } from "./errors.ts";
import { page } from "./pages.ts";

// undici loads with the panel's first fetch, not with every server start (docs/adr/0043).
const require = createRequire(import.meta.url);
const undici = () => require("undici") as typeof import("undici");

export const DEMO_PANEL_PATH = "/demo/panel";

/** The panel's request, as PROTOCOL.md §2.1 gives it. */
const PRICE_LIST_QUERY = "func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";
const FETCH_TIMEOUT_MS = 5000;
const MAX_PRICE_LIST_BYTES = 1024 * 1024;

/** A module row of the price list, as a panel reads it. */
export interface OfferedModule {
  /** Tariff id: the panel matches a row to a module by it. */
  id: number;
  name: string;
  /** Service name sent as `module` in the Buy redirect. */
  intname: string;
  /** The monthly price, the only period a panel shows and sells (as written when not a valid amount). */
  monthly: Money | string;
}

/** What the panel knows about its license: the modules on it, as of the last fetch. */
interface LicenseInformation {
  modules: UpstreamModule[] | null;
  updatedAt: Date | null;
  failure: { message: string; at: Date } | null;
}

/**
 * Where this server can reach itself. The address the socket is bound to, not PUBLIC_URL (which
 * behind a proxy may not be reachable from this host, and with PORT=0 names port 0) and not the
 * request's Host header (which the browser chooses: fetching it would let anyone point the server
 * at another host). A wildcard bind is reached on loopback.
 */
export function selfBaseUrl(address: AddressInfo | string | null, host: string): string {
  if (address === null || typeof address === "string") {
    throw new AppError("internal", "The demo panel needs the server to listen on a TCP port");
  }
  let h = host;
  if (h === "0.0.0.0") h = "127.0.0.1";
  else if (h === "::" || h === "[::]") h = "::1";
  if (h.includes(":") && !h.startsWith("[")) h = `[${h}]`;
  return `http://${h}:${address.port}`;
}

/** The module rows of a `pricelist.export` answer that have a monthly price (the rest a panel ignores). */
export function readPriceList(body: string): OfferedModule[] {
  const doc = parseDocument(body);
  const error = child(doc, "error");
  if (error) throw new AppError("upstream_rejected", `the price list is an error document: ${field(error, "msg") ?? error.attrs?.["type"] ?? "no message"}`);
  const out: OfferedModule[] = [];
  for (const row of childrenNamed(doc, "pricelist")) {
    const id = Number(field(row, "id"));
    const intname = field(row, "intname") || field(row, "additionintname") || "";
    const price = child(row, "price");
    const currency = price ? field(price, "currency") ?? "" : "";
    const period = price ? childrenNamed(price, "period").find((p) => field(p, "type") === "month" && field(p, "length") === "1") : undefined;
    const cost = period ? field(period, "cost") : undefined;
    if (!Number.isSafeInteger(id) || id <= 0 || intname === "" || cost === undefined || currency === "") continue;
    out.push({ id, name: field(row, "name") || intname, intname, monthly: readableCost(cost, currency) });
  }
  return out;
}

function readableCost(cost: string, currency: string): Money | string {
  try {
    return parseDecimal(cost, currency, "half_up");
  } catch {
    return `${cost} ${currency}`;
  }
}

const statusText = (l: Locale, status: UpstreamModule["status"]) => t(l, `page.demo_panel.status.${status}`);

export function registerDemoRoutes(app: FastifyInstance, c: Container): void {
  if (c.config.UPSTREAM_URL !== "sandbox") return;

  // The panel's memory of its license, per license. In process memory: it is a demo that lives
  // and dies with `serve` (and with the in-process sandbox it talks to).
  const known = new Map<number, LicenseInformation>();
  // Its own connection pool, closed with the app, so that a shutdown never waits on it.
  let agent: Agent | undefined;
  app.addHook("onClose", async () => agent?.close());

  async function fetchPriceList(): Promise<{ url: string; modules: OfferedModule[] }> {
    const url = `${selfBaseUrl(app.server.address(), c.config.HOST)}/billmgr?${PRICE_LIST_QUERY}`;
    agent ??= new (undici().Agent)({ keepAliveTimeout: 2000, connect: { timeout: FETCH_TIMEOUT_MS } });
    const res = await undici().request(url, {
      method: "GET",
      dispatcher: agent,
      headersTimeout: FETCH_TIMEOUT_MS,
      bodyTimeout: FETCH_TIMEOUT_MS,
      headers: { accept: "text/xml, application/xml", "user-agent": "partnerbill demo panel" },
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_PRICE_LIST_BYTES) {
        res.body.destroy();
        throw new AppError("upstream_rejected", "the price list is larger than 1 MiB");
      }
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode !== 200) throw new AppError("upstream_rejected", `the price list answered HTTP ${res.statusCode}`);
    return { url, modules: readPriceList(Buffer.concat(chunks).toString("utf8")) };
  }

  /** Fetches the license information (the modules on the license) as the panel's refresh does. */
  async function updateLicenseInformation(license: number): Promise<LicenseInformation> {
    const previous = known.get(license) ?? { modules: null, updatedAt: null, failure: null };
    let next: LicenseInformation;
    try {
      const all = await c.upstream.listModules();
      next = { modules: all.filter((m) => m.license === license && m.status !== "deleted"), updatedAt: c.clock.now(), failure: null };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      next = { ...previous, failure: { message, at: c.clock.now() } };
    }
    known.set(license, next);
    return next;
  }

  async function licensesOrFail(): Promise<UpstreamLicense[]> {
    try {
      return (await c.upstream.listLicenses()).filter((l) => l.status !== "deleted");
    } catch (e) {
      throw new AppError("upstream_unavailable", `The sandbox's licenses cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function parseLicense(value: unknown): number | null {
    if (value === undefined || value === "") return null;
    if (typeof value !== "string" || !/^\d{1,12}$/.test(value)) throw invalidInput("license must be the number of an ispmanager license, e.g. 100001", { messageKey: "page.demo_panel.bad_license" });
    return Number(value);
  }

  app.get<{ Querystring: Record<string, unknown> }>(DEMO_PANEL_PATH, { config: { surface: "page" } }, async (req, reply) => {
    try {
      const requested = parseLicense(req.query["license"]);
      const licenses = await licensesOrFail();
      if (licenses.length === 0) throw notFound("The sandbox account has no licenses.", { messageKey: "page.demo_panel.no_licenses" });
      const license = requested === null ? licenses[0]! : licenses.find((l) => l.id === requested);
      if (!license) {
        const ids = licenses.map((l) => l.id).join(", ");
        throw notFound(`License ${requested} is not in the sandbox's demo account; pick one of ${ids}.`, { messageKey: "page.demo_panel.unknown_license", values: { license: String(requested), licenses: ids } });
      }
      const info = known.get(license.id) ?? (await updateLicenseInformation(license.id));
      let offered: { url: string; modules: OfferedModule[] } | { url: string; error: string };
      try {
        offered = await fetchPriceList();
      } catch (e) {
        req.log.warn({ err: e }, "demo panel: the price list could not be fetched");
        offered = { url: `/billmgr?${PRICE_LIST_QUERY}`, error: e instanceof Error ? e.message : String(e) };
      }
      const names = new Map<number, string>();
      for (const e of await c.catalog.listModules()) names.set(e.module.tariff_id, e.module.name);
      if ("modules" in offered) for (const m of offered.modules) names.set(m.id, m.name);
      return sendPanel(reply, renderPanel(pageLocale(req), { licenses, license, info, offered, names }));
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });

  // "Update license information" changes nothing but the panel's own memory, so it needs no CSRF
  // token; it is a POST (a button in a form, no JavaScript) followed by a redirect back.
  app.post<{ Body: Record<string, unknown> | undefined }>(`${DEMO_PANEL_PATH}/refresh`, { config: { surface: "page", csrf: false } }, async (req, reply) => {
    try {
      const license = parseLicense(req.body?.["license"]);
      if (license === null) throw invalidInput("Which license? The form sends license=<id>.", { messageKey: "page.demo_panel.bad_license" });
      const licenses = await licensesOrFail();
      if (!licenses.some((l) => l.id === license)) {
        const ids = licenses.map((l) => l.id).join(", ");
        throw notFound(`License ${license} is not in the sandbox's demo account.`, { messageKey: "page.demo_panel.unknown_license", values: { license: String(license), licenses: ids } });
      }
      await updateLicenseInformation(license);
      return reply.code(303).header("location", `${DEMO_PANEL_PATH}?license=${license}`).header("cache-control", "no-store").send();
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });
}

function sendPanel(reply: FastifyReply, body: SafeHtml) {
  const req = reply.request;
  return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(page(req, t(pageLocale(req), "page.demo_panel.title"), body, { mainClass: "panel" }));
}

function buyHref(m: OfferedModule, license: UpstreamLicense): string {
  const q = new URLSearchParams({ module: m.intname, license: String(license.id), ip: license.ip, module_id: String(m.id) });
  return `/billmgr?${q.toString()}`;
}

function renderPanel(l: Locale, v: {
  licenses: UpstreamLicense[];
  license: UpstreamLicense;
  info: LicenseInformation;
  offered: { url: string; modules: OfferedModule[] } | { url: string; error: string };
  names: Map<number, string>;
}): SafeHtml {
  const { license, info } = v;
  const installed = info.modules ?? [];
  const onLicense = (tariff: number) => installed.find((m) => m.pricelist === tariff && m.status !== "stopped");
  const col = {
    module: t(l, "page.demo_panel.col.module"),
    price: t(l, "page.demo_panel.col.price"),
    action: t(l, "page.demo_panel.col.action"),
    status: t(l, "page.demo_panel.col.status"),
    expires: t(l, "page.demo_panel.col.expires"),
  };
  const price = (m: OfferedModule) => t(l, "page.demo_panel.per_month", { price: typeof m.monthly === "string" ? m.monthly : formatMoney(m.monthly, l) });
  const date = (d: string | null | undefined) => (d ? formatDate(d, l) : "—");
  const moduleRows =
    "modules" in v.offered
      ? v.offered.modules.map((m) => {
          const have = onLicense(m.id);
          const action =
            have?.status === "active"
              ? html`<span class="installed">${t(l, "page.demo_panel.installed")}</span>`
              : have
                ? html`<span class="pending">${statusText(l, have.status)}</span>`
                : html`<a class="buy" href="${buyHref(m, license)}">${t(l, "page.demo_panel.buy")}</a>`;
          return html`<tr data-module="${m.intname}"><td data-label="${col.module}">${m.name}</td><td data-label="${col.price}">${price(m)}</td><td data-label="${col.action}">${action}</td></tr>`;
        })
      : [];
  const licenseN = t(l, "page.demo_panel.license_n", { license: String(license.id) });
  return html`<div class="panel-top"><b>ispmanager</b><span>${t(l, "page.demo_panel.top", { license: String(license.id), ip: license.ip })}</span></div>
<div class="panel-body">
<div class="crumbs">${t(l, "page.demo_panel.crumbs")}</div>
<h1>${t(l, "page.demo_panel.heading")}</h1>
<form method="get" action="${DEMO_PANEL_PATH}">
<label for="license">${t(l, "page.demo_panel.choose")}</label> <select id="license" name="license">${v.licenses.map(
    (x) => html`<option value="${String(x.id)}"${x.id === license.id ? raw(" selected") : ""}>${String(x.id)} — ${x.name} (${x.ip})</option>`,
  )}</select> <button type="submit">${t(l, "page.demo_panel.open")}</button>
</form>
${"modules" in v.offered
  ? v.offered.modules.length > 0
    ? html`<div class="table-wrap"><table class="data" id="modules"><thead><tr><th>${col.module}</th><th>${col.price}</th><th><span class="visually-hidden">${col.action}</span></th></tr></thead><tbody>${moduleRows}</tbody></table></div>`
    : html`<p class="muted">${t(l, "page.demo_panel.no_modules")}</p>`
  : html`<p class="error">${tHtml(l, "page.demo_panel.price_list_failed", { error: html`<code>${v.offered.error}</code>` })}</p>`}
<p class="muted">${tHtml(l, "page.demo_panel.prices_from", { url: html`<code>${v.offered.url}</code>` })}</p>
</div>
<div class="panel-top"><b>${t(l, "page.demo_panel.license_management")}</b><span>${licenseN}</span></div>
<div class="panel-body" id="license-info">
<dl class="facts">
<dt>${t(l, "page.demo_panel.fact.license")}</dt><dd>${String(license.id)} — ${license.name}</dd>
<dt>${t(l, "page.demo_panel.fact.ip")}</dt><dd>${license.ip}</dd>
<dt>${t(l, "page.demo_panel.fact.expires")}</dt><dd>${date(license.expiresOn)}</dd>
<dt>${t(l, "page.demo_panel.fact.info")}</dt><dd>${info.updatedAt ? t(l, "page.demo_panel.info_updated", { when: formatDateTime(info.updatedAt, l) }) : t(l, "page.demo_panel.info_never")}</dd>
</dl>
${info.failure ? html`<p class="error">${tHtml(l, "page.demo_panel.update_failed", { when: formatDateTime(info.failure.at, l), error: html`<code>${info.failure.message}</code>` })}</p>` : ""}
<h2>${t(l, "page.demo_panel.on_license")}</h2>
${installed.length > 0
  ? html`<div class="table-wrap"><table class="data" id="installed"><thead><tr><th>${col.module}</th><th>${col.status}</th><th>${col.expires}</th></tr></thead><tbody>${installed.map(
      (m) => html`<tr><td data-label="${col.module}">${v.names.get(m.pricelist) ?? t(l, "page.demo_panel.module_n", { id: String(m.pricelist) })}</td><td data-label="${col.status}">${statusText(l, m.status)}</td><td data-label="${col.expires}">${date(m.expiresOn)}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="muted">${t(l, "page.demo_panel.none_on_license")}</p>`}
<form method="post" action="${DEMO_PANEL_PATH}/refresh"><input type="hidden" name="license" value="${String(license.id)}">
<button class="update" type="submit">${t(l, "page.demo_panel.update")}</button></form>
<p class="muted">${t(l, "page.demo_panel.update_help")}</p>
</div>`;
}
