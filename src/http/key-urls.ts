// The URLs an operator needs; app.ts (home page, start-up lines) and the set-up wizard show them.
/** The URLs an operator needs, printed at start-up and shown on the home page. */
export function keyUrls(publicUrl: string) {
  return {
    billing: `${publicUrl}/billmgr`,
    priceList: `${publicUrl}/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml`,
    health: `${publicUrl}/healthz`,
    ready: `${publicUrl}/readyz`,
    metrics: `${publicUrl}/metrics`,
  };
}
