/**
 * The connected account's money: what its wallet holds and what PennyPost owes it per tippable
 * asset (`owed(account, asset)`), both read from the chain through /rpc, with a Withdraw button per
 * asset. (Not GET /v1/authors/:me: it answers 404 for an account the index has not seen, which
 * the browser logs as an error for every new account.) Refreshes when a tip to or from the
 * account is indexed, and after the page's own transactions.
 */
import type { Address } from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import type { Ctx } from "./context.ts";
import { h, replace } from "./dom.ts";
import { describeError } from "./errors.ts";
import { ETH, type AssetInfo } from "./format.ts";
import { Progress, requireWallet, runAction, sendContractTx } from "./tx.ts";

/** Every asset worth a line: the tippable ones and any other asset with an amount owed. */
export function assetsOf(ctx: Ctx, amounts: Record<string, string>): string[] {
  const listed = ctx.tipAssets().map((info) => info.address as string);
  return [...listed, ...Object.keys(amounts).filter((asset) => !listed.includes(asset) && BigInt(amounts[asset]) > 0n)];
}

async function walletBalance(ctx: Ctx, address: Address, info: AssetInfo): Promise<bigint> {
  if (info.address === ETH) return ctx.reader.getBalance({ address });
  return ctx.reader.readContract({ address: info.address, abi: pennyTestTokenAbi, functionName: "balanceOf", args: [address] });
}

export function balancesPanel(ctx: Ctx, signal: AbortSignal): HTMLElement {
  const body = h("div", { class: "balances__body", "aria-busy": "true" });
  const progress = new Progress("Withdrawal progress");
  const panel = h("section", { class: "panel balances", "aria-labelledby": "balances-title" },
    h("h2", { id: "balances-title", class: "panel__title" }, "Your balances"), body, progress.element);
  let generation = 0;

  const render = async () => {
    const wallet = ctx.wallet;
    const mine = ++generation;
    if (wallet === null) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    body.setAttribute("aria-busy", "true");
    try {
      const held = ctx.tipAssets();
      const contract = { address: ctx.config.contracts.PennyPost, abi: pennyPostAbi } as const;
      const [owedAmounts, balances] = await Promise.all([
        Promise.all(held.map((info) => ctx.reader.readContract({ ...contract, functionName: "owed", args: [wallet.address, info.address as Address] }))),
        Promise.all(held.map((info) => walletBalance(ctx, wallet.address, info))),
      ]);
      if (mine !== generation) return;
      const owed: Record<string, string> = Object.fromEntries(held.map((info, i) => [info.address, owedAmounts[i].toString()]));
      replace(body,
        h("h3", { class: "panel__subtitle" }, "In your wallet"),
        h("dl", { class: "amounts", "data-balances": "wallet" },
          held.map((info, i) => h("div", { class: "amounts__row" }, h("dt", {}, info.symbol), h("dd", { "data-asset": info.symbol }, ctx.assets.format(info.address, balances[i], 6))))),
        h("h3", { class: "panel__subtitle" }, "Owed to you by PennyPost"),
        h("ul", { class: "owed", "data-balances": "owed" }, assetsOf(ctx, owed).map((asset) => owedRow(asset, BigInt(owed[asset] ?? "0")))));
    } catch (error) {
      if (mine === generation) replace(body, h("p", { class: "notice notice--error" }, describeError(error, { assets: ctx.assets }).message));
    } finally {
      if (mine === generation) body.removeAttribute("aria-busy");
    }
  };

  const owedRow = (asset: string, amount: bigint): HTMLElement => {
    const shown = ctx.assets.format(asset, amount);
    const symbol = ctx.assets.get(asset)?.symbol ?? "this asset";
    const button = h("button", { type: "button", class: "button button--small", disabled: amount === 0n }, "Withdraw", h("span", { class: "visually-hidden" }, ` ${symbol}`));
    button.addEventListener("click", () => {
      void runAction(ctx, button, progress, async () => {
        const wallet = requireWallet(ctx);
        await sendContractTx(ctx, wallet, progress, { address: ctx.config.contracts.PennyPost, abi: pennyPostAbi, functionName: "withdraw", args: [asset as Address] });
        progress.succeed(`Withdrew ${shown} to your wallet.`);
      });
    });
    return h("li", { class: "owed__row" }, h("span", { class: "owed__amount", "data-asset": symbol }, shown), button);
  };

  ctx.on((event) => {
    const me = ctx.wallet?.address;
    if (me === undefined && event.type !== "wallet") return;
    const involved =
      event.type === "wallet" || event.type === "resync" || event.type === "config" ||
      (event.type === "indexed" && ctx.isMe(event.account)) ||
      (event.type === "tip" && (ctx.isMe(event.tip.author) || ctx.isMe(event.tip.tipper))) ||
      (event.type === "post" && ctx.isMe(event.post.author));
    if (event.type === "wallet") progress.reset();
    if (involved) void render();
  }, signal);
  void render();
  return panel;
}
