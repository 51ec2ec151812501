// RENEWAL_MODE=upstream: purchases are ordered with `autoprolong` equal to their period, so that the
// client area renews them itself and partnerbill charges nothing for renewals. Fulfillment stays
// unaware of renewal modes: the container hands it an upstream client that orders this way.
import type { UpstreamClient } from "../../upstream/types.ts";
import { autoprolongFor, type RenewalMode } from "./renewals.logic.ts";

export function orderingForRenewalMode<T extends Pick<UpstreamClient, "orderModule">>(client: T, mode: RenewalMode): T {
  if (mode !== "upstream") return client;
  return { ...client, orderModule: (input) => client.orderModule({ ...input, autoprolong: autoprolongFor(mode, input.period) }) };
}
