/**
 * Posting and tipping through the relayer (`--via batched|anchored-calldata|anchored-hash|voucher`):
 * the command signs an EIP-712 action with the `--from` account (no transaction, no gas), sends it
 * to the API's `POST /v1/actions`, and follows it until it is on chain. It spends the account's
 * deposit (`pennypost deposit`).
 */
import { formatEther, getAddress, type Address, type Hex } from "viem";

import { ETH, extendVoucher, pennyPostDomain, relayedTypes, type PennyPostDomain } from "../lib/relayed.ts";
import type { Api, Chain } from "./context.ts";
import { CliError } from "./errors.ts";
import { cliCommand, type CommandPlace } from "./format.ts";

export const RELAYED_POST_MODES = ["batched", "anchored-calldata", "anchored-hash"] as const;
export type RelayedPostMode = (typeof RELAYED_POST_MODES)[number];

/** GET /v1/accounts/:address/relay. */
interface RelayState {
  relayer: Address;
  nextNonce: string;
  nextSeq: string;
  cumulativeFee: string;
  depositEth: string;
  pendingSpendEth: string;
  voucher: { asset: Address; cumulativeAmount: string; tipsHash: Hex };
}

/** GET /v1/actions/:id. */
export interface RelayedAction {
  id: string;
  status: "queued" | "submitted" | "included" | "rejected";
  txHash?: Hex;
  blockNumber?: number;
  postId?: string;
  reason?: string;
}

/** Signed actions expire an hour after signing: the relayer is expected well before that. */
const DEADLINE_SECONDS = 3_600n;
const WAIT_MS = 60_000;

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

export interface Relay {
  state: (asset?: Address) => Promise<RelayState>;
  domain: PennyPostDomain;
  /** Signs `message` as `primaryType` with the --from account. */
  sign: (primaryType: keyof typeof relayedTypes, message: Record<string, unknown>) => Promise<Hex>;
  deadline: () => Promise<bigint>;
  /** Sends the action and waits until it is included; a refusal or a rejection is a CliError. */
  submit: (body: Record<string, unknown>) => Promise<RelayedAction>;
}

export function openRelay(chain: Chain, api: Api): Relay {
  const domain = pennyPostDomain(chain.deployment.chainId, getAddress(chain.pennyPost));
  const request = async (path: string, init?: RequestInit): Promise<{ status: number; body: any }> => {
    let response: Response;
    try {
      response = await fetch(`${api.url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch {
      throw new CliError(`the PennyPost API does not answer at ${api.url}; start it with \`./pennypost start\`, or give its address with --api <url>`);
    }
    return { status: response.status, body: await response.json().catch(() => undefined) };
  };
  return {
    domain,
    async state(asset = ETH) {
      const { status, body } = await request(`/v1/accounts/${chain.account}/relay?asset=${asset}`);
      if (status === 503) throw new CliError(`the server at ${api.url} runs no relayer (${body?.detail ?? "relayer_disabled"}); post without --via, or start one`);
      if (status !== 200) throw new CliError(`the API at ${api.url} answered ${status} for the relay state: ${body?.detail ?? ""}`);
      return body.data as RelayState;
    },
    sign: (primaryType, message) =>
      chain.wallet.signTypedData({ account: chain.wallet.account, domain, types: relayedTypes, primaryType, message } as never),
    async deadline() {
      return (await chain.publicClient.getBlock()).timestamp + DEADLINE_SECONDS;
    },
    async submit(body) {
      const { status, body: answer } = await request("/v1/actions", { method: "POST", headers: { "content-type": "application/json" }, body: json(body) });
      if (status !== 202) {
        const retry = answer?.code === "rate_limited" || answer?.code === "too_many_pending" ? " (try again in a moment)" : "";
        throw new CliError(`the relayer refused the action: ${answer?.code ?? status}: ${answer?.detail ?? ""}${retry}`);
      }
      const id = answer.data.id as string;
      const started = Date.now();
      for (;;) {
        const { body: followed } = await request(`/v1/actions/${id}`);
        const action = followed?.data as RelayedAction | undefined;
        if (action?.status === "included") return action;
        if (action?.status === "rejected") throw new CliError(`the contract skipped action ${id}: ${action.reason}; nothing was spent`);
        if (Date.now() - started > WAIT_MS) {
          throw new CliError(`action ${id} is still ${action?.status ?? "unknown"} after ${WAIT_MS / 1000} s; follow it with GET ${api.url}/v1/actions/${id}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/**
 * Checks the account's deposit covers `amount` more (beyond what is pending) before signing
 * anything; the message names ETH amounts and the deposit command to paste (`place`: where the
 * command at hand ran).
 */
export function requireDeposit(state: RelayState, amount: bigint, what: string, place: CommandPlace): void {
  const available = BigInt(state.depositEth) - BigInt(state.pendingSpendEth);
  if (available < amount) {
    const free = available > 0n ? available : 0n;
    // At least 0.001 ETH: enough for a hundred posts at the default fee, not one deposit per post.
    const suggested = amount - free > 10n ** 15n ? amount - free : 10n ** 15n;
    throw new CliError(
      `${what} is paid from your deposit, which has ${formatEther(free)} ETH free, ${formatEther(amount)} ETH needed; ` +
        `deposit first: ${cliCommand(`deposit --amount ${formatEther(suggested)}`, place)}`,
    );
  }
}

/** The next voucher of `tipper` in `asset`: the previous one extended with `tip`. */
export function nextVoucher(state: RelayState, tip: { postId: bigint; author: Address; amount: bigint }) {
  const previous = { cumulativeAmount: BigInt(state.voucher.cumulativeAmount), tipsHash: state.voucher.tipsHash };
  return extendVoucher(previous, [tip]);
}
