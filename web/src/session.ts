/**
 * Session keys: post and tip without a wallet prompt each time. Starting a session costs two wallet
 * transactions (a deposit, and `authorizeSession` for a key the page generates and keeps in this
 * browser's localStorage); after that the page signs posts and tips with the key and sends them to
 * the relayer (POST /v1/actions), which pays the gas and takes them from the deposit. The contract
 * enforces the cap and the expiry; "End session" revokes the key at once.
 */
import { formatEther, getAddress, parseEther, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { ETH, pennyPostDomain, signPost, signTip } from "../../lib/relayed.ts";
import { ApiError, retryAfterSeconds, waitIndexed } from "./api.ts";
import type { Ctx } from "./context.ts";
import { h, replace, uid } from "./dom.ts";
import { PageError } from "./errors.ts";
import { Progress, requireWallet, runAction, sendContractTx } from "./tx.ts";

interface StoredSession {
  privateKey: Hex;
  account: Address;
}

export interface ActiveSession {
  key: PrivateKeyAccount;
  account: Address;
  cap: bigint;
  spent: bigint;
  expiry: bigint;
  deposit: bigint;
}

/** The cap the form offers, and what it offers to deposit (less whatever deposit is left). */
const DEFAULT_CAP = 10n ** 15n; // 0.001 ETH

const storageKey = (ctx: Ctx, account: Address) =>
  `pennypost.session.${ctx.config.chainId}.${ctx.config.contracts.PennyPost}.${account}`.toLowerCase();

function stored(ctx: Ctx, account: Address): StoredSession | undefined {
  try {
    const value = localStorage.getItem(storageKey(ctx, account));
    return value === null ? undefined : (JSON.parse(value) as StoredSession);
  } catch {
    return undefined;
  }
}

/** The connected account's session, if its key is in this browser and live on chain. */
export async function activeSession(ctx: Ctx): Promise<ActiveSession | undefined> {
  const account = ctx.wallet?.address;
  if (account === undefined) return undefined;
  const saved = stored(ctx, account);
  if (saved === undefined) return undefined;
  const key = privateKeyToAccount(saved.privateKey);
  const contract = { address: ctx.config.contracts.PennyPost, abi: pennyPostAbi } as const;
  const [[cap, spent, expiry], deposit, block] = await Promise.all([
    ctx.reader.readContract({ ...contract, functionName: "session", args: [account, key.address, ETH] }),
    ctx.reader.readContract({ ...contract, functionName: "depositOf", args: [account, ETH] }),
    ctx.reader.getBlock(),
  ]);
  if (expiry === 0n || expiry < block.timestamp) return undefined;
  return { key, account, cap, spent, expiry, deposit };
}

async function relayJson(path: string, init?: RequestInit): Promise<any> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: "application/json", ...(init?.body ? { "content-type": "application/json" } : {}) } });
  } catch {
    throw new ApiError(0, "network", "the server does not answer");
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 503) throw new PageError("relayer_unavailable", "The relayer is unavailable on this server: post with your wallet instead (uncheck the session key).");
  if (!response.ok) {
    if (response.status === 429) throw new ApiError(429, "rate_limited", body.detail ?? "", retryAfterSeconds(response.headers));
    throw new PageError("relayer_refused", `The relayer refused it (${body.code ?? response.status}): ${body.detail ?? response.statusText}`);
  }
  return body.data;
}

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** Signs `build`'s action with the session key, sends it to the relayer and follows it until indexed. */
async function relay(ctx: Ctx, session: ActiveSession, progress: Progress, build: (state: any) => Promise<unknown>): Promise<{ postId?: string }> {
  progress.note("sign", "Signing in the page with your session key (no wallet prompt)");
  const state = await relayJson(`/v1/accounts/${session.account}/relay`);
  const body = await build(state);
  const accepted = await relayJson("/v1/actions", { method: "POST", body: json(body) });
  progress.note("sent", `Queued by the relayer (action ${String(accepted.id).slice(0, 8)})`);
  for (let i = 0; ; i++) {
    const action = await relayJson(`/v1/actions/${accepted.id}`);
    if (action.status === "rejected") throw new PageError("relayer_refused", `The contract skipped it: ${action.reason}. Nothing was spent.`);
    if (action.status === "included") {
      progress.note("included", `Included in block ${action.blockNumber}`);
      await waitIndexed(action.blockNumber);
      progress.note("indexed", "Indexed: visible on PennyPost");
      ctx.emit({ type: "indexed", account: session.account, block: action.blockNumber });
      return { postId: action.postId };
    }
    if (i > 600) throw new PageError("timeout", `The relayer has not brought it on chain after a minute (action ${accepted.id}).`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function relayPost(ctx: Ctx, session: ActiveSession, progress: Progress, parentId: bigint, content: string, fee: bigint) {
  if (session.deposit < fee) throw new PageError("insufficient_funds", "Your session's deposit is used up: end the session and start a new one with a deposit.");
  const domain = pennyPostDomain(ctx.config.chainId, getAddress(ctx.config.contracts.PennyPost));
  return relay(ctx, session, progress, async (state) => {
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const message = { author: session.account, parentId, content, maxFee: fee, nonce: BigInt(state.nextNonce), deadline };
    return { type: "post", mode: "batched", message, signature: (await signPost(session.key, domain, message)).signature };
  });
}

export async function relayTip(ctx: Ctx, session: ActiveSession, progress: Progress, postId: bigint, author: Address, amount: bigint) {
  if (session.deposit < amount) throw new PageError("insufficient_funds", "Your session's deposit is too small for this tip: end the session and start a new one with a larger deposit.");
  const domain = pennyPostDomain(ctx.config.chainId, getAddress(ctx.config.contracts.PennyPost));
  return relay(ctx, session, progress, async (state) => {
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const message = { tipper: session.account, postId, author: getAddress(author), asset: ETH, amount, nonce: BigInt(state.nextNonce), deadline };
    return { type: "tip", mode: "batched", message, signature: (await signTip(session.key, domain, message)).signature };
  });
}

/** The account's ETH deposit: what is free to spend, and a withdrawal in progress. */
interface DepositState {
  /** The whole deposit (a requested withdrawal stays in it, spendable by relayers, until completed). */
  total: bigint;
  pending: bigint;
  /** 0: no withdrawal requested. */
  unlockAt: bigint;
  now: bigint;
}

async function depositState(ctx: Ctx, account: Address): Promise<DepositState> {
  const contract = { address: ctx.config.contracts.PennyPost, abi: pennyPostAbi } as const;
  const [total, [pending, unlockAt], block] = await Promise.all([
    ctx.reader.readContract({ ...contract, functionName: "depositOf", args: [account, ETH] }),
    ctx.reader.readContract({ ...contract, functionName: "pendingWithdrawal", args: [account, ETH] }),
    ctx.reader.getBlock(),
  ]);
  return { total, pending, unlockAt, now: block.timestamp };
}

/**
 * The deposit, always shown while a wallet is connected, with or without a session: free to
 * spend, requested for withdrawal (with its unlock time), withdrawable; and the two steps of
 * getting it back, "Request withdrawal" (all of it) and "Complete withdrawal" (after the delay).
 */
function depositBlock(ctx: Ctx, account: Address, state: DepositState, progress: Progress, rerender: () => Promise<void>): HTMLElement | null {
  if (state.total === 0n && state.unlockAt === 0n) return null;
  const contract = { address: ctx.config.contracts.PennyPost, abi: pennyPostAbi } as const;
  const pending = state.pending < state.total ? state.pending : state.total;
  const unlocked = state.unlockAt !== 0n && state.unlockAt <= state.now;
  const unlockTime = new Date(Number(state.unlockAt) * 1000).toLocaleString();
  const rows = [
    h("div", { class: "amounts__row" }, h("dt", {}, "Free to spend"), h("dd", { "data-deposit-free": (state.total - pending).toString() }, `${formatEther(state.total - pending)} ETH`)),
  ];
  if (state.unlockAt !== 0n) {
    rows.push(h("div", { class: "amounts__row" }, h("dt", {}, unlocked ? "Withdrawable" : "Withdrawal pending"),
      h("dd", { "data-deposit-pending": pending.toString(), "data-deposit-unlocked": String(unlocked) }, unlocked ? `${formatEther(pending)} ETH` : `${formatEther(pending)} ETH, unlocks ${unlockTime}`)));
  }
  const request = h("button", { type: "button", class: "button button--small" }, "Request withdrawal");
  request.hidden = state.total === 0n || state.pending >= state.total;
  request.addEventListener("click", () => void runAction(ctx, request, progress, async () => {
    progress.begin(`Request the withdrawal of ${formatEther(state.total)} ETH`);
    await sendContractTx(ctx, requireWallet(ctx), progress, { ...contract, functionName: "requestDepositWithdrawal", args: [ETH, state.total] });
    progress.succeed("Withdrawal requested: it unlocks after the delay (relayers settle what you signed meanwhile); then complete it here.");
    await rerender();
  }));
  const complete = h("button", { type: "button", class: "button button--small" }, "Complete withdrawal");
  complete.hidden = state.unlockAt === 0n;
  complete.addEventListener("click", () => void runAction(ctx, complete, progress, async () => {
    const latest = await depositState(ctx, account);
    if (latest.unlockAt > latest.now) {
      throw new PageError("withdrawal_locked", `The withdrawal unlocks ${new Date(Number(latest.unlockAt) * 1000).toLocaleString()}: complete it after that.`);
    }
    progress.begin("Complete the withdrawal");
    await sendContractTx(ctx, requireWallet(ctx), progress, { ...contract, functionName: "completeDepositWithdrawal", args: [ETH, account] });
    progress.succeed("Withdrawn: the deposit is back in your wallet.");
    await rerender();
  }));
  return h("div", { class: "session__deposit", "data-deposit": "" },
    h("h3", { class: "panel__subtitle" }, "Your deposit"),
    h("dl", { class: "amounts" }, rows),
    h("div", { class: "compose__actions" }, request, complete));
}

/** The side panel: start a session (deposit + key), see its cap, spending and expiry, end it; the deposit and its withdrawal. */
export function sessionPanel(ctx: Ctx, signal: AbortSignal): HTMLElement {
  const body = h("div", { class: "session__body" });
  const deposit = h("div", { class: "session__deposit-slot" });
  const progress = new Progress("Session progress");
  const panel = h("section", { class: "panel session", "aria-labelledby": "session-title" },
    h("h2", { id: "session-title", class: "panel__title" }, "Session key"), body, deposit, progress.element);
  let generation = 0;
  const renderDeposit = async () => {
    const account = ctx.wallet?.address;
    const mine = ++generation;
    if (account === undefined) return void replace(deposit);
    const state = await depositState(ctx, account).catch(() => undefined);
    if (mine !== generation) return;
    replace(deposit, state === undefined ? null : depositBlock(ctx, account, state, progress, renderDeposit));
  };
  const ids = { deposit: uid("session-deposit"), cap: uid("session-cap"), hours: uid("session-hours") };

  // Renders overlap (a wallet event while an action re-renders): only the newest one writes.
  let renders = 0;
  const render = async () => {
    const mine = ++renders;
    if (ctx.wallet === null) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    void renderDeposit();
    const session = await activeSession(ctx).catch(() => undefined);
    if (mine !== renders) return;
    if (session !== undefined) {
      const end = h("button", { type: "button", class: "button" }, "End session");
      end.addEventListener("click", () => void runAction(ctx, end, progress, async () => {
        progress.begin("Revoke the session key");
        await sendContractTx(ctx, requireWallet(ctx), progress, {
          address: ctx.config.contracts.PennyPost, abi: pennyPostAbi, functionName: "revokeSession", args: [session.key.address, ETH],
        });
        localStorage.removeItem(storageKey(ctx, session.account));
        ctx.emit({ type: "session" });
        progress.succeed("Session ended: the key can no longer spend anything.");
        await render();
      }));
      replace(body,
        h("p", { class: "hint" }, "Posts and ETH tips from this browser are signed with this key and sent through the relayer: no wallet prompt."),
        h("dl", { class: "amounts", "data-session": "active" },
          h("div", { class: "amounts__row" }, h("dt", {}, "Key"), h("dd", { title: session.key.address }, `${session.key.address.slice(0, 10)}…`)),
          h("div", { class: "amounts__row" }, h("dt", {}, "Spent"), h("dd", { "data-session-spent": session.spent.toString() }, `${formatEther(session.spent)} of ${formatEther(session.cap)} ETH`)),
          h("div", { class: "amounts__row" }, h("dt", {}, "Expires"), h("dd", {}, new Date(Number(session.expiry) * 1000).toLocaleString())),
          h("div", { class: "amounts__row" }, h("dt", {}, "Deposit"), h("dd", { "data-session-deposit": session.deposit.toString() }, `${formatEther(session.deposit)} ETH`))),
        end);
      return;
    }
    // A deposit left from an earlier session counts: a new session adds only what the default cap lacks.
    const left = ctx.wallet === null ? undefined : await depositState(ctx, ctx.wallet.address).catch(() => undefined);
    if (mine !== renders) return;
    const free = left === undefined ? 0n : left.total - (left.pending < left.total ? left.pending : left.total);
    const deposit = h("input", { id: ids.deposit, name: "deposit", inputmode: "decimal", value: free >= DEFAULT_CAP ? "0" : formatEther(DEFAULT_CAP - free), class: "input" });
    const cap = h("input", { id: ids.cap, name: "cap", inputmode: "decimal", value: "0.001", class: "input" });
    const hours = h("input", { id: ids.hours, name: "hours", inputmode: "numeric", value: "24", class: "input" });
    const start = h("button", { type: "submit", class: "button button--primary" }, "Start session");
    const form = h("form", { class: "session__form", novalidate: true },
      h("p", { class: "hint" }, "Deposit once and let this page sign for you, within a cap and until an expiry, both enforced by the contract."),
      h("label", { for: ids.deposit }, "Deposit (ETH)"), deposit,
      h("label", { for: ids.cap }, "Spending cap (ETH)"), cap,
      h("label", { for: ids.hours }, "Hours"), hours,
      start);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void runAction(ctx, start, progress, async () => {
        const wallet = requireWallet(ctx);
        let amounts: { deposit: bigint; cap: bigint; hours: number };
        try {
          amounts = { deposit: parseEther(deposit.value.trim()), cap: parseEther(cap.value.trim()), hours: Number(hours.value) };
        } catch {
          throw new PageError("invalid_amount", "Write the deposit and the cap as ETH amounts, such as 0.001.");
        }
        if (amounts.cap <= 0n || !Number.isInteger(amounts.hours) || amounts.hours < 1 || amounts.hours > 168) {
          throw new PageError("invalid_amount", "The cap must be more than 0 ETH and the session last 1 to 168 hours.");
        }
        const key = generatePrivateKey();
        const address = privateKeyToAccount(key).address;
        const contract = { address: ctx.config.contracts.PennyPost, abi: pennyPostAbi } as const;
        if (amounts.deposit > 0n) {
          progress.begin(`Deposit ${formatEther(amounts.deposit)} ETH`);
          await sendContractTx(ctx, wallet, progress, { ...contract, functionName: "deposit", args: [wallet.address], value: amounts.deposit });
        }
        progress.begin("Authorize the session key");
        const now = (await ctx.reader.getBlock()).timestamp;
        await sendContractTx(ctx, wallet, progress, {
          ...contract, functionName: "authorizeSession", args: [address, ETH, amounts.cap, now + BigInt(amounts.hours) * 3600n],
        });
        localStorage.setItem(storageKey(ctx, wallet.address), JSON.stringify({ privateKey: key, account: wallet.address } satisfies StoredSession));
        ctx.emit({ type: "session" });
        progress.succeed(`Session started: up to ${formatEther(amounts.cap)} ETH for ${amounts.hours} h, no wallet prompt.`);
        await render();
      });
    });
    replace(body, form);
  };
  ctx.on((event) => (event.type === "wallet" || event.type === "indexed") && void render(), signal);
  void render();
  return panel;
}
