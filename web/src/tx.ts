/**
 * One contract transaction from the page, in the steps the user sees: checked against the contract
 * (eth_call through /rpc, so reverts are caught before anything is signed), signed, sent (hash),
 * included (block N), indexed (the API serves it). `runAction` ties a button to it: progress,
 * outcome and every failure worded by errors.ts.
 */
import type { Abi, Chain, ContractFunctionArgs, ContractFunctionName, Hash, SimulateContractParameters, TransactionReceipt } from "viem";

import { waitIndexed } from "./api.ts";
import type { Ctx } from "./context.ts";
import { h, replace } from "./dom.ts";
import { describeError, PageError, type UserMessage } from "./errors.ts";
import { shortAddress } from "./format.ts";
import { assertNetwork, type Wallet } from "./wallet.ts";

export type Step = "check" | "sign" | "sent" | "included" | "indexed";

/** The connected wallet, or a PageError telling the user to connect one. */
export function requireWallet(ctx: Ctx): Wallet {
  if (ctx.wallet === null) throw new PageError("no_wallet", "Connect a wallet first (Wallet panel).");
  return ctx.wallet;
}

/**
 * Runs `write` (which simulates, calls `signing()`, then signs and sends) and follows the
 * transaction until the index has it. Resolves with the receipt of a successful transaction.
 */
export async function sendTx(ctx: Ctx, wallet: Wallet, progress: Progress, write: (signing: () => void) => Promise<Hash>): Promise<TransactionReceipt> {
  const report = (step: Step, detail?: { hash?: Hash; block?: number }) => progress.report(step, wallet, detail);
  report("check");
  await assertNetwork(wallet, ctx.config.chainId);
  const hash = await write(() => report("sign"));
  report("sent", { hash });
  const receipt = await ctx.reader.waitForTransactionReceipt({ hash, pollingInterval: 250, timeout: 120_000 });
  const block = Number(receipt.blockNumber);
  if (receipt.status !== "success") {
    throw new PageError("reverted", `The transaction was included in block ${block} but reverted: nothing changed and only gas was spent.`);
  }
  report("included", { block });
  try {
    await waitIndexed(block);
  } catch (error) {
    const why = describeError(error).message;
    throw new PageError("not_ready", `Included in block ${block}, but the index has not caught up yet (${why}) It will show up once it has.`);
  }
  report("indexed", { block });
  ctx.emit({ type: "indexed", account: wallet.address, block });
  // A post or tip went through, so the page's "paused" is out of date.
  if (ctx.config.paused) ctx.refreshConfig().catch(() => {});
  return receipt;
}

/**
 * The usual transaction: `call` is checked against the contract first (eth_call through /rpc, so a
 * revert is reported before anything is signed), then signed and sent, then followed by sendTx.
 */
export function sendContractTx<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  const args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
>(ctx: Ctx, wallet: Wallet, progress: Progress, call: SimulateContractParameters<abi, functionName, args, Chain>): Promise<TransactionReceipt> {
  return sendTx(ctx, wallet, progress, async (signing) => {
    // The caller's parameters are fully typed; viem's generics do not survive this indirection.
    const { request } = await ctx.simulator.simulateContract({ ...call, account: wallet.client.account } as never);
    signing();
    return wallet.client.writeContract(request as never);
  });
}

const stepText = (step: Step, wallet: Wallet | null, detail: { hash?: Hash; block?: number }): string => {
  switch (step) {
    case "check":
      return "Checking with the contract";
    case "sign":
      return wallet?.kind === "development" ? `Signing in the page as test account #${wallet.index}` : "Waiting for your signature in the wallet";
    case "sent":
      return `Sent: transaction ${detail.hash === undefined ? "" : shortAddress(detail.hash)}`;
    case "included":
      return `Included in block ${detail.block}`;
    case "indexed":
      return "Indexed: visible on PennyPost";
  }
};

/** A transaction's progress list and outcome line, in a live region (role log: steps are appended). */
export class Progress {
  readonly element: HTMLElement;
  readonly #steps: HTMLOListElement;
  readonly #outcome: HTMLElement;
  #current: HTMLLIElement | undefined;

  constructor(label: string) {
    this.#steps = h("ol", { class: "progress__steps" });
    this.#outcome = h("div", { class: "progress__outcome" });
    this.element = h("div", { class: "progress", role: "log", "aria-label": label, hidden: true }, this.#steps, this.#outcome);
  }

  /** Starts over; `title` heads the steps of the next transaction (e.g. "Approve 10 PPTEST"). */
  reset(): void {
    this.#steps.replaceChildren();
    this.#outcome.replaceChildren();
    this.#current = undefined;
    this.element.hidden = true;
  }

  begin(title: string): void {
    this.#finishCurrent("done");
    this.element.hidden = false;
    this.#steps.append(h("li", { class: "progress__title" }, title));
  }

  report(step: Step, wallet: Wallet | null, detail: { hash?: Hash; block?: number } = {}): void {
    this.#finishCurrent("done");
    this.element.hidden = false;
    const item = h("li", { class: "step step--active", "data-step": step, "aria-current": "step" }, stepText(step, wallet, detail));
    if (step === "sent" && detail.hash !== undefined) item.title = detail.hash;
    this.#current = item;
    this.#steps.append(item);
  }

  /** A step that is not one of a wallet transaction's (e.g. a relayed action's). */
  note(step: string, text: string): void {
    this.#finishCurrent("done");
    this.element.hidden = false;
    const item = h("li", { class: "step step--active", "data-step": step, "aria-current": "step" }, text);
    this.#current = item;
    this.#steps.append(item);
  }

  succeed(...message: (Node | string)[]): void {
    this.#finishCurrent("done");
    this.element.hidden = false;
    replace(this.#outcome, h("p", { class: "outcome outcome--ok", "data-outcome": "ok" }, ...message));
  }

  fail(problem: UserMessage): void {
    this.#finishCurrent("failed");
    this.element.hidden = false;
    replace(this.#outcome, h("p", { class: "outcome outcome--error", role: "alert", "data-error": problem.code }, problem.message));
  }

  #finishCurrent(state: "done" | "failed"): void {
    if (this.#current === undefined) return;
    this.#current.classList.replace("step--active", `step--${state}`);
    this.#current.removeAttribute("aria-current");
    this.#current = undefined;
  }
}

/**
 * Runs `action` for `button`: marks it busy while running (aria-disabled, not `disabled`, so the
 * keyboard focus stays on it), resets `progress`, shows any failure. Returns false when the
 * action failed (the message is on screen and, for errors, announced).
 */
export async function runAction(
  ctx: Ctx, button: HTMLButtonElement, progress: Progress, action: () => Promise<void>, onProblem?: (problem: UserMessage) => void,
): Promise<boolean> {
  if (button.disabled || button.getAttribute("aria-disabled") === "true") return false;
  button.setAttribute("aria-disabled", "true");
  button.setAttribute("aria-busy", "true");
  progress.reset();
  try {
    await action();
    return true;
  } catch (error) {
    if (!(error instanceof PageError)) console.warn("action failed", error);
    const problem = describeError(error, { assets: ctx.assets, chainId: ctx.config.chainId });
    progress.fail(problem);
    // The settings changed under the page: show the new ones everywhere.
    if (problem.code === "wrong_fee" || problem.code === "paused") ctx.refreshConfig().catch(() => {});
    onProblem?.(problem);
    return false;
  } finally {
    button.removeAttribute("aria-disabled");
    button.removeAttribute("aria-busy");
  }
}
