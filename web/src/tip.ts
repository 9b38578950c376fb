/**
 * Tip a post in ETH or in an accepted token: presets and a custom amount, the author's share after
 * the protocol fee, a balance check before anything is signed, and for tokens an approval first
 * when PennyPost's allowance is short.
 */
import { getAddress, parseEventLogs, parseUnits, type Address, type Hex, type TransactionReceipt } from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import { failedChecks, verifyAnchoredPost, type ChainReader } from "../../lib/verify-anchored.ts";
import { api, type PostRecord } from "./api.ts";
import type { Ctx } from "./context.ts";
import { h, replace, uid } from "./dom.ts";
import { PageError } from "./errors.ts";
import { ETH, type AssetInfo } from "./format.ts";
import { activeSession, relayTip } from "./session.ts";
import { Progress, requireWallet, runAction, sendContractTx } from "./tx.ts";

type TokenError = Extract<(typeof pennyTestTokenAbi)[number], { type: "error" }>;
/** PennyPost's ABI plus the token's errors, so a revert inside the token is decoded too. */
const tipAbi = [...pennyPostAbi, ...pennyTestTokenAbi.filter((item): item is TokenError => item.type === "error")];

/**
 * The author a signed tip on `post` names, checked against the chain before it is signed: the chain
 * stores no author for a relayed post, so the signed tip credits whoever it names, and an index that
 * lies would redirect it. An anchored post's author is proven by its batch's root
 * (lib/verify-anchored.ts, as the CLI does); a batched post's by its Posted event; a direct post's
 * the contract checks itself.
 */
async function provenAuthor(ctx: Ctx, post: Pick<PostRecord, "id" | "author"> & { mode?: string; txHash?: string }): Promise<Address> {
  const pennyPost = getAddress(ctx.config.contracts.PennyPost);
  const postId = BigInt(post.id);
  const refuse = (why: string) =>
    new PageError("unverified_post", `This index serves post #${post.id} with ${why}; no tip was signed. Do not trust this index for this post.`);
  if (post.mode?.startsWith("anchored")) {
    const [served, proof] = await Promise.all([api.post(post.id), api.proof(post.id)]);
    const verified = await verifyAnchoredPost(ctx.reader as unknown as ChainReader, pennyPost, postId, served.data, proof.data);
    if (!verified.ok || verified.provenAuthor === undefined) throw refuse(`what the chain does not prove (${failedChecks(verified)})`);
    return verified.provenAuthor;
  }
  if (post.mode === "batched") {
    // The Posted event from the transaction's receipt (POST /rpc relays receipts, not eth_getLogs):
    // only PennyPost's own log for this very id counts, whatever transaction the index names.
    const receipt = post.txHash === undefined ? undefined : await ctx.reader.getTransactionReceipt({ hash: post.txHash as `0x${string}` }).catch(() => undefined);
    const posted = parseEventLogs({ abi: pennyPostAbi, eventName: "Posted", logs: (receipt?.logs ?? []).filter((log) => getAddress(log.address) === pennyPost) })
      .find((event) => event.args.postId === postId);
    if (posted === undefined || getAddress(posted.args.author) !== getAddress(post.author)) throw refuse("an author its Posted event does not name");
    return getAddress(posted.args.author);
  }
  return getAddress(post.author);
}

/** The amount in the asset's smallest unit; PageError invalid_amount when it is not a positive number. */
export function parseAmount(text: string, info: AssetInfo): bigint {
  const trimmed = text.trim();
  if (!/^\d*\.?\d+$|^\d+\.$/.test(trimmed)) throw new PageError("invalid_amount", `Enter an amount in ${info.symbol}, for example ${info.presets[0]}.`);
  const [, fraction = ""] = trimmed.split(".");
  if (fraction.length > info.decimals) throw new PageError("invalid_amount", `${info.symbol} has at most ${info.decimals} decimals.`);
  const amount = parseUnits(trimmed, info.decimals);
  if (amount === 0n) throw new PageError("invalid_amount", "A tip must be more than zero.");
  return amount;
}

export function tipForm(ctx: Ctx, post: Pick<PostRecord, "id" | "author"> & { mode?: string; txHash?: string }, signal: AbortSignal): HTMLFormElement {
  const assets = ctx.tipAssets();
  let asset: AssetInfo = assets[0];
  const amountId = uid("tip-amount");
  const hintId = uid("tip-hint");
  const amountLabel = h("label", { for: amountId });
  const amountInput = h("input", { id: amountId, name: "amount", type: "text", inputmode: "decimal", autocomplete: "off", "aria-describedby": hintId, class: "input" });
  const hint = h("p", { id: hintId, class: "hint" });
  const presets = h("div", { class: "presets", role: "group", "aria-label": "Preset amounts" });
  const button = h("button", { type: "submit", class: "button button--primary" }, "Send tip");
  const viaSession = h("input", { type: "checkbox", name: "session" });
  const sessionLabel = h("label", { class: "compose__session", hidden: true }, viaSession, " With my session key (ETH, no wallet prompt)");
  const showSession = () => void activeSession(ctx).then((session) => {
    sessionLabel.hidden = session === undefined;
    viaSession.checked = session !== undefined;
  }, () => undefined);
  // A session that starts or ends changes what the form can do: an earlier error no longer holds.
  ctx.on((event) => {
    if (event.type !== "wallet" && event.type !== "session") return;
    if (button.getAttribute("aria-disabled") !== "true" && progress.element.querySelector("[data-error]") !== null) progress.reset();
    showSession();
  }, signal);
  showSession();
  const progress = new Progress(`Tip progress for post #${post.id}`);
  const radioName = uid("tip-asset");

  const showHint = () => {
    const bps = ctx.config.tipFeeBps;
    let share = "";
    try {
      const amount = parseAmount(amountInput.value, asset);
      share = ` The author receives ${ctx.assets.format(asset.address, amount - (amount * BigInt(bps)) / 10_000n)}.`;
    } catch {
      // no valid amount yet
    }
    hint.textContent = `A ${bps / 100}% protocol fee goes to the treasury.${share}`;
    for (const preset of presets.querySelectorAll<HTMLButtonElement>("button")) preset.setAttribute("aria-pressed", String(preset.value === amountInput.value.trim()));
  };
  const chooseAsset = (info: AssetInfo) => {
    asset = info;
    amountLabel.textContent = `Amount in ${info.symbol}`;
    replace(presets, info.presets.map((value) => {
      const preset = h("button", { type: "button", class: "button button--chip", value, "aria-pressed": "false" }, `${value} ${info.symbol}`);
      preset.addEventListener("click", () => {
        amountInput.value = value;
        showHint();
      });
      return preset;
    }));
    amountInput.value = "";
    showHint();
  };
  amountInput.addEventListener("input", showHint);
  ctx.on((event) => event.type === "config" && showHint(), signal);

  const choices = assets.map((info, i) => {
    const id = uid("tip-asset");
    const radio = h("input", { type: "radio", name: radioName, id, value: info.address, checked: i === 0 });
    radio.addEventListener("change", () => radio.checked && chooseAsset(info));
    return h("span", { class: "choice" }, radio, h("label", { for: id }, info.symbol));
  });
  chooseAsset(asset);

  const form = h("form", { class: "tip-form", novalidate: true },
    h("fieldset", { class: "tip-form__fields" },
      h("legend", {}, `Tip post #${post.id}`),
      h("div", { class: "choices", role: "radiogroup", "aria-label": "Asset" }, choices),
      presets,
      h("div", { class: "field" }, amountLabel, amountInput),
      hint),
    h("div", { class: "compose__actions" }, sessionLabel, button),
    progress.element);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(ctx, button, progress, async () => {
      const info = asset;
      const amount = parseAmount(amountInput.value, info);
      const wallet = requireWallet(ctx);
      const me = wallet.address;
      const pennyPost = ctx.config.contracts.PennyPost;
      const postId = BigInt(post.id);
      const shown = ctx.assets.format(info.address, amount);
      let receipt: TransactionReceipt;

      if (info.address === ETH && viaSession.checked && !sessionLabel.hidden) {
        const session = await activeSession(ctx);
        if (session === undefined) throw new PageError("no_session", "Your session has ended: start a new one in the Session key panel, or uncheck the session key.");
        await relayTip(ctx, session, progress, postId, await provenAuthor(ctx, post), amount);
        progress.succeed(`Tipped ${shown} with your session key, from your deposit; the author is credited ${ctx.assets.format(ETH, amount - (amount * BigInt(ctx.config.tipFeeBps)) / 10_000n)}.`);
        return;
      }
      // A relayed post keeps no author on chain for tip() to pay: it is tipped through the relayer, in ETH.
      if (post.mode !== undefined && post.mode !== "direct") {
        if (await activeSession(ctx).catch(() => undefined)) {
          throw new PageError("relayed_post", "This post was relayed, so it is tipped through the relayer, in ETH only: choose ETH and tip with your session key.");
        }
        throw new PageError("no_session", "This post was relayed, so it is tipped through the relayer: start a session in the Session key panel and tip in ETH with it.");
      }
      if (info.address === ETH) {
        const balance = await ctx.reader.getBalance({ address: me });
        if (balance < amount) throw new PageError("insufficient_funds", `Not enough ETH: this account has ${ctx.assets.format(ETH, balance, 6)} and the tip needs ${shown} plus gas.`);
        receipt = await sendContractTx(ctx, wallet, progress, { address: pennyPost, abi: tipAbi, functionName: "tip", args: [postId], value: amount });
      } else {
        const token = info.address as Address;
        const [balance, allowance] = await Promise.all([
          ctx.reader.readContract({ address: token, abi: pennyTestTokenAbi, functionName: "balanceOf", args: [me] }),
          ctx.reader.readContract({ address: token, abi: pennyTestTokenAbi, functionName: "allowance", args: [me, pennyPost] }),
        ]);
        if (balance < amount) throw new PageError("insufficient_funds", `Not enough ${info.symbol}: this account has ${ctx.assets.format(token, balance, 4)} and the tip needs ${shown}.`);
        if (allowance < amount) {
          progress.begin(`Step 1 of 2: allow PennyPost to take ${shown}`);
          await sendContractTx(ctx, wallet, progress, { address: token, abi: pennyTestTokenAbi, functionName: "approve", args: [pennyPost, amount] });
          progress.begin(`Step 2 of 2: tip ${shown}`);
        }
        receipt = await sendContractTx(ctx, wallet, progress, { address: pennyPost, abi: tipAbi, functionName: "tipToken", args: [postId, token, amount] });
      }
      const [tipped] = parseEventLogs({ abi: pennyPostAbi, eventName: "Tipped", logs: receipt.logs });
      const credited = tipped === undefined ? "" : `; the author is credited ${ctx.assets.format(info.address, tipped.args.amount - tipped.args.fee)}`;
      progress.succeed(`Tipped ${shown}${credited}.`);
    });
  });
  return form;
}
