import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAppError } from "../lib/errors.ts";
import { UpstreamError, billmgrError, classifyBillmgrError, createScrubber, isInsufficientFunds } from "./errors.ts";
import type { UpstreamErrorKind, UpstreamErrorReason } from "./types.ts";

const KINDS: UpstreamErrorKind[] = ["auth", "access", "rejected", "insufficient_funds", "timeout", "connection", "server_error", "unparsable"];

describe("upstream errors", () => {
  it("tells 'certainly not done' from 'outcome unknown' for every kind", () => {
    const expected: Record<UpstreamErrorKind, string> = {
      auth: "not_done", access: "not_done", rejected: "not_done", insufficient_funds: "not_done",
      timeout: "unknown", connection: "unknown", server_error: "unknown", unparsable: "unknown",
    };
    for (const kind of KINDS) {
      const e = new UpstreamError({ kind, func: "addition.order.param", message: "x" });
      assert.equal(e.outcome, expected[kind], kind);
      assert.ok(isAppError(e));
      assert.equal(e.details?.["outcome"], expected[kind]);
    }
  });

  it("counts a connection that failed before sending as not done, and a reset as unknown", () => {
    const sure: UpstreamErrorReason[] = ["refused", "dns", "tls", "connect_timeout"];
    for (const reason of sure) assert.equal(new UpstreamError({ kind: "connection", func: "soft", message: "x", reason }).outcome, "not_done");
    assert.equal(new UpstreamError({ kind: "connection", func: "soft", message: "x", reason: "reset" }).outcome, "unknown");
    assert.equal(new UpstreamError({ kind: "timeout", func: "soft", message: "x" }).outcome, "unknown");
  });

  it("maps kinds to stable app error codes", () => {
    const codes = Object.fromEntries(KINDS.map((k) => [k, new UpstreamError({ kind: k, func: "soft", message: "x" }).code]));
    assert.deepEqual(codes, {
      auth: "upstream_rejected", access: "upstream_rejected", rejected: "upstream_rejected",
      insufficient_funds: "insufficient_funds", timeout: "upstream_unavailable", connection: "upstream_unavailable",
      server_error: "upstream_unavailable", unparsable: "upstream_unavailable",
    });
  });

  it("recognises insufficient funds by type 'balance' or by wording, in English and Russian", () => {
    const yes = [
      { type: "balance", object: "", msg: "" },
      { type: "value", object: "balance", msg: "" },
      { type: "payment", object: "", msg: "Insufficient funds on the account" },
      { type: "xml", object: "", msg: "Not enough money" },
      { type: "value", object: "order", msg: "Недостаточно средств на балансе" },
    ];
    for (const e of yes) assert.equal(isInsufficientFunds(e), true, JSON.stringify(e));
    for (const e of [{ type: "value", object: "period", msg: "Invalid period" }, { type: "exists", object: "item", msg: "Already ordered" }]) {
      assert.equal(isInsufficientFunds(e), false, JSON.stringify(e));
    }
  });

  it("classifies error documents: auth, two-factor, access, funds, anything else rejected", () => {
    assert.deepEqual(classifyBillmgrError({ type: "auth", object: "badpassword", msg: "Invalid username or password" }), { kind: "auth" });
    assert.deepEqual(classifyBillmgrError({ type: "auth", object: "", msg: "Two-factor authentication is enabled for this account" }), { kind: "auth", reason: "two_factor" });
    assert.deepEqual(classifyBillmgrError({ type: "auth", object: "2fa", msg: "" }), { kind: "auth", reason: "two_factor" });
    assert.deepEqual(classifyBillmgrError({ type: "extraconfirm", object: "", msg: "" }), { kind: "auth", reason: "two_factor" });
    assert.deepEqual(classifyBillmgrError({ type: "access", object: "", msg: "" }), { kind: "access" });
    assert.deepEqual(classifyBillmgrError({ type: "balance", object: "", msg: "" }), { kind: "insufficient_funds" });
    assert.deepEqual(classifyBillmgrError({ type: "value", object: "period", msg: "Invalid value" }), { kind: "rejected" });
    const e = billmgrError("addition.order.param", { type: "value", object: "period", msg: "Invalid value" });
    assert.equal(e.message, "addition.order.param: rejected (type=value object=period): Invalid value");
    assert.deepEqual(e.billmgr, { type: "value", object: "period", msg: "Invalid value" });
  });

  it("scrubs the password and the authinfo value in every encoding", () => {
    const scrub = createScrubber("me@example.com", "p@ss w&rd:1");
    const text = [
      "authinfo=me@example.com:p@ss w&rd:1",
      `authinfo=${encodeURIComponent("me@example.com:p@ss w&rd:1")}`,
      new URLSearchParams({ authinfo: "me@example.com:p@ss w&rd:1" }).toString(),
      "password p@ss w&rd:1 was wrong",
    ].join("\n");
    const out = scrub(text);
    assert.ok(!out.includes("p@ss w&rd:1"));
    assert.ok(!out.includes(encodeURIComponent("p@ss w&rd:1")));
    assert.ok(!out.includes("p%40ss+w%26rd%3A1"));
    assert.match(out, /\[redacted\]/);
  });
});
