// A tiny browser over app.inject(): keeps cookies like a browser does (set, replace, delete on
// expiry), reads the CSRF token of the last page's form, and posts forms. For tests of the
// server-rendered pages and their sessions.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";

export class WebClient {
  readonly cookies = new Map<string, string>();
  last: LightMyRequestResponse | undefined;

  constructor(private readonly app: FastifyInstance, readonly ip = "203.0.113.7") {}

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now());
      if (expired || c.value === "") this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    this.last = res;
    return res;
  }

  /** Opens a page; `headers` are sent as well (e.g. accept-language). */
  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    return this.keep(await this.app.inject({ method: "GET", url, remoteAddress: this.ip, headers: cookie ? { ...headers, cookie } : headers }));
  }

  /** Posts a urlencoded form; `_csrf` is taken from the last page unless given (null: none sent). */
  async post(url: string, fields: Record<string, string>, csrf?: string | null): Promise<LightMyRequestResponse> {
    const token = csrf === undefined ? this.csrfOfLastPage() : csrf;
    const form = new URLSearchParams(fields);
    if (token !== null) form.set("_csrf", token);
    const cookie = this.cookieHeader();
    return this.keep(
      await this.app.inject({
        method: "POST",
        url,
        remoteAddress: this.ip,
        headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
        payload: form.toString(),
      }),
    );
  }

  /** Opens `pageUrl` and submits its form to `action` with `fields` (the page's CSRF token included). */
  async submit(pageUrl: string, action: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const page = await this.get(pageUrl);
    if (page.statusCode !== 200) throw new Error(`GET ${pageUrl}: ${page.statusCode}\n${page.body.slice(0, 500)}`);
    return this.post(action, fields);
  }

  csrfOfLastPage(): string | null {
    const m = /name="_csrf" value="([^"]+)"/.exec(this.last?.body ?? "");
    return m ? m[1]! : null;
  }
}
