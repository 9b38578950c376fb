/**
 * The Wallet panel: connect a browser wallet, or on the local chain the development wallet (test
 * accounts #0-#4 of the public mnemonic, plainly labelled); shows the connected account, a wrong
 * network warning with a switch button, and remembers the choice for the next visit.
 */
import type { Ctx } from "./context.ts";
import { h, replace, uid } from "./dom.ts";
import { describeError, type UserMessage } from "./errors.ts";
import { shortAddress } from "./format.ts";
import {
  assertNetwork, connectInjected, DEV_ACCOUNT_COUNT, devAccount, developmentWallet, injectedProvider, LOCAL_CHAIN_ID, switchNetwork, watchInjected, type Wallet,
} from "./wallet.ts";

const STORAGE_KEY = "pennypost.wallet";

function remember(wallet: Wallet | null): void {
  try {
    if (wallet === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, wallet.kind === "development" ? `development:${wallet.index}` : "injected");
  } catch {
    // storage disabled: nothing to remember
  }
}

/** Reconnects the wallet chosen on the last visit, without prompting (eth_accounts for a browser wallet). */
export async function restoreWallet(ctx: Ctx): Promise<void> {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    return;
  }
  const dev = /^development:(\d)$/.exec(saved ?? "");
  if (dev !== null && ctx.chain.id === LOCAL_CHAIN_ID && Number(dev[1]) < DEV_ACCOUNT_COUNT) {
    ctx.setWallet(developmentWallet(ctx.chain, Number(dev[1])));
  } else if (saved === "injected") {
    const accounts = (await injectedProvider()?.request({ method: "eth_accounts" }).catch(() => [])) ?? [];
    if (accounts.length > 0) ctx.setWallet(await connectInjected(ctx.chain).catch(() => null));
  }
}

export function walletPanel(ctx: Ctx, signal: AbortSignal): HTMLElement {
  const body = h("div", { class: "wallet__body" });
  const message = h("div", { class: "wallet__message", "aria-live": "polite" });
  const disconnect = h("button", { type: "button", class: "button button--small", hidden: true }, "Disconnect");
  disconnect.addEventListener("click", () => use(null));
  const panel = h("section", { class: "panel wallet", "aria-labelledby": "wallet-title" },
    h("div", { class: "panel__head" }, h("h2", { id: "wallet-title", class: "panel__title" }, "Wallet"), disconnect), body, message);

  const show = (problem: UserMessage | null) =>
    replace(message, problem === null ? null : h("p", { class: "notice notice--error", role: "alert", "data-error": problem.code }, problem.message));
  const use = (wallet: Wallet | null) => {
    show(null);
    remember(wallet);
    ctx.setWallet(wallet);
    ctx.announce(wallet === null ? "Wallet disconnected." : `Connected: ${wallet.label}, ${shortAddress(wallet.address)}.`);
  };
  const attempt = async (button: HTMLButtonElement, action: () => Promise<void>) => {
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true"); // not `disabled`: the focus stays on the button
    try {
      await action();
    } catch (error) {
      show(describeError(error, { chainId: ctx.config.chainId }));
    } finally {
      button.removeAttribute("aria-disabled");
    }
  };

  const devPicker = (current: Wallet | null): HTMLElement | null => {
    if (ctx.chain.id !== LOCAL_CHAIN_ID) return null;
    const selectId = uid("dev-account");
    const select = h("select", { id: selectId, class: "input" },
      Array.from({ length: DEV_ACCOUNT_COUNT }, (_, i) =>
        h("option", { value: i, selected: current?.index === i }, `#${i} ${shortAddress(devAccount(i).address)}`)));
    const button = h("button", { type: "button", class: "button" }, current?.kind === "development" ? "Switch account" : "Use development wallet");
    button.addEventListener("click", () => use(developmentWallet(ctx.chain, Number(select.value))));
    return h("div", { class: "devwallet" },
      h("p", { class: "devwallet__label" }, h("strong", {}, "Development wallet"), " — public test keys, local chain only"),
      h("p", { class: "hint" }, "Anyone can spend from these accounts. Never send them real money."),
      h("div", { class: "field field--inline" }, h("label", { for: selectId }, "Test account"), select, button));
  };

  const render = () => {
    const wallet = ctx.wallet;
    disconnect.hidden = wallet === null;
    if (wallet === null) {
      const connect = h("button", { type: "button", class: "button button--primary" }, "Connect browser wallet");
      // The network is checked when the connected wallet is shown (render -> checkNetwork).
      connect.addEventListener("click", () => void attempt(connect, async () => use(await connectInjected(ctx.chain))));
      replace(body,
        h("p", {}, "Reading needs no wallet. To post, tip or withdraw, connect one."),
        connect,
        injectedProvider() === undefined ? h("p", { class: "hint" }, "No browser wallet detected in this browser.") : null,
        devPicker(null));
      return;
    }
    replace(body,
      h("p", { class: "wallet__who" },
        h("span", { class: `wallet__kind${wallet.kind === "development" ? " wallet__kind--dev" : ""}` }, wallet.label), " ",
        h("a", { href: `#/author/${wallet.address.toLowerCase()}`, title: wallet.address, "data-wallet-address": wallet.address }, shortAddress(wallet.address))),
      wallet.kind === "development" ? devPicker(wallet) : null);
    if (wallet.kind === "injected") void checkNetwork(wallet);
  };

  /** The problem, and a button that switches the wallet's network; offered again after a refusal. */
  const offerSwitch = (wallet: Wallet, problem: UserMessage) => {
    show(problem);
    const fix = h("button", { type: "button", class: "button" }, `Switch wallet to chain ${ctx.config.chainId}`);
    fix.addEventListener("click", () => {
      if (fix.getAttribute("aria-disabled") === "true") return;
      fix.setAttribute("aria-disabled", "true");
      switchNetwork(wallet, ctx.chain).then(() => show(null), (error: unknown) => {
        offerSwitch(wallet, describeError(error, { chainId: ctx.config.chainId }));
        message.querySelector<HTMLButtonElement>("button")?.focus();
      });
    });
    message.append(fix);
  };
  const checkNetwork = async (wallet: Wallet) => {
    try {
      await assertNetwork(wallet, ctx.config.chainId);
    } catch (error) {
      offerSwitch(wallet, describeError(error));
    }
  };

  const stopWatching = watchInjected(() => {
    if (ctx.wallet?.kind !== "injected") return;
    connectInjected(ctx.chain).then(use, (error: unknown) => {
      use(null);
      show(describeError(error));
    });
  });
  signal.addEventListener("abort", stopWatching, { once: true });
  ctx.on((event) => event.type === "wallet" && render(), signal);
  render();
  return panel;
}
