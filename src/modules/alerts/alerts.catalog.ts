// Every alert kind, declared once with what it means, what to do, and the condition that owns it:
// the feature that raises a kind resolves it when that condition clears (docs/adr/0031). Shown in
// staff e-mail and on the dashboard; README's operations section lists the same.

export interface AlertKindInfo {
  /** What is wrong, in one sentence. */
  meaning: string;
  /** What staff should do. */
  action: string;
  /** When it closes by itself ("staff" = only a person can close it). */
  clears: string;
}

export const ALERT_CATALOG: Record<string, AlertKindInfo> = {
  negative_margin: {
    meaning: "A module's sell price is below what upstream charges the partner.",
    action: "Raise the price or the markup rule (Catalog), or accept it knowingly.",
    clears: "The next price sync finds the module's price at or above its cost.",
  },
  missing_rate: {
    meaning: "A price cannot be checked against its cost: no exchange rate between the two currencies.",
    action: "Enter the rate (`partnerbill pricing rates set`) or enable the ECB feed.",
    clears: "The next price sync can compare the price with its cost.",
  },
  price_sync_failed: {
    meaning: "Price sync could not read upstream's price list; nothing was changed.",
    action: "Check UPSTREAM_URL, the credentials and `partnerbill upstream check`.",
    clears: "A price sync succeeds.",
  },
  rates_fetch_failed: {
    meaning: "The ECB reference-rate feed could not be fetched or read.",
    action: "Usually transient; if it persists, enter rates by hand.",
    clears: "A rates fetch succeeds.",
  },
  upstream_insufficient_funds: {
    meaning: "A paid order (or renewal) waits: the partner's client-area balance could not pay for it.",
    action: "Top up the balance in ispmanager's client area. Waiting orders resume by themselves within about a minute of the top-up; \"Resume now\" on the order retries at once.",
    clears: "The order leaves awaiting funds (active, or rejected and refunded).",
  },
  upstream_low_balance: {
    meaning: "The partner's client-area balance is below UPSTREAM_LOW_BALANCE, or below what a waiting order costs.",
    action: "Top up the balance in ispmanager's client area before orders start waiting.",
    clears: "A balance check reads enough funds.",
  },
  upstream_funds_short: {
    meaning: "A payment was taken although the last balance read could not pay for the module (UPSTREAM_FUNDS_SHORT=proceed).",
    action: "Top up the balance; the order waits in awaiting funds until then.",
    clears: "The order becomes active, or is rejected, refunded or cancelled.",
  },
  order_needs_attention: {
    meaning: "A paid order's outcome upstream cannot be proven, or upstream refused our credentials.",
    action: "Open the order: read the upstream calls, then adopt the upstream module it shows or reject and refund.",
    clears: "The order leaves needs attention.",
  },
  upstream_duplicate_module: {
    meaning: "After an unknown outcome, more than one unclaimed module of the tariff was found on the license.",
    action: "Delete the extra module upstream (it is paid for by the partner) or sell it.",
    clears: "A reconciliation report finds no upstream module that belongs to no one.",
  },
  reconcile_failed: {
    meaning: "Reconciliation could not list the modules upstream.",
    action: "Check the upstream connection (`partnerbill upstream check`).",
    clears: "A reconciliation run succeeds.",
  },
  reconcile_missing_upstream: {
    meaning: "A module active here is absent upstream.",
    action: "Look at `partnerbill reconcile show`; restore it upstream or accept the upstream state.",
    clears: "A reconciliation report without that finding.",
  },
  reconcile_unknown_upstream: {
    meaning: "An upstream module belongs to no customer here.",
    action: "Look at the report; adopt it for an order or delete it upstream.",
    clears: "A reconciliation report without that finding.",
  },
  reconcile_expiry_drift: {
    meaning: "A module's expiry here differs from upstream's. Nothing is repaired silently.",
    action: "Look at the report; accept upstream's date (`partnerbill reconcile accept`) or correct it upstream.",
    clears: "A reconciliation report without that finding.",
  },
  reconcile_status_drift: {
    meaning: "A module's status here differs from upstream's.",
    action: "Look at the report and accept upstream's status or fix it upstream.",
    clears: "A reconciliation report without that finding.",
  },
  reconcile_license_drift: {
    meaning: "A module is on another license upstream than here.",
    action: "Look at the report and move it back or accept the move.",
    clears: "A reconciliation report without that finding.",
  },
  stripe_amount_mismatch: {
    meaning: "A Stripe payment's amount is not what was asked; nothing was credited.",
    action: "Check it in the Stripe Dashboard; credit or refund by hand, then resolve the alert.",
    clears: "Only staff resolve it (it records a past event, not a lasting condition).",
  },
  stripe_refund_failed: {
    meaning: "A refund to card was refused; the money is back on the customer's balance.",
    action: "Refund by hand or tell the customer, then resolve the alert.",
    clears: "Only staff resolve it (it records a past event, not a lasting condition).",
  },
};

export const KNOWN_ALERT_KINDS = Object.keys(ALERT_CATALOG);

export function alertInfo(kind: string): AlertKindInfo {
  return ALERT_CATALOG[kind] ?? { meaning: "An alert partnerbill raised.", action: "Read the message.", clears: "Staff resolve it." };
}
