/**
 * The page's entry: reads /v1/config, builds the shared context, the header badges and the side
 * panels, follows the live stream, and routes on the URL hash (static files, no server routes):
 *   #/                  feed            #/post/12            thread
 *   #/author/0x…        author page     #/me                 the connected account's page
 */
import { api, openStream } from "./api.ts";
import { authorView } from "./author.ts";
import { balancesPanel } from "./balances.ts";
import { createContext, type Ctx } from "./context.ts";
import { byId, h, replace } from "./dom.ts";
import { describeError } from "./errors.ts";
import { feedView } from "./feed.ts";
import { ETH, shortAddress } from "./format.ts";
import { refreshTimes } from "./post-card.ts";
import { threadView } from "./thread.ts";
import { sessionPanel } from "./session.ts";
import { restoreWallet, walletPanel } from "./wallet-panel.ts";
import { LOCAL_CHAIN_ID } from "./wallet.ts";

const main = byId<HTMLElement>("main");
const announcer = byId<HTMLElement>("announcer");

function announce(message: string): void {
  announcer.textContent = "";
  // A new text node after a tick, so screen readers announce a repeated message too.
  setTimeout(() => (announcer.textContent = message), 50);
}

byId<HTMLButtonElement>("skip-link").addEventListener("click", () => (main.querySelector<HTMLElement>("h1") ?? main).focus());

function navigation(ctx: Ctx): void {
  const nav = byId<HTMLElement>("nav");
  const links = [h("a", { href: "#/", "data-route": "feed" }, "Feed"), h("a", { href: "#/me", "data-route": "me" }, "Your page")];
  replace(nav, h("ul", { class: "nav" }, links.map((link) => h("li", {}, link))));
  const mark = () => {
    const hash = location.hash || "#/";
    const mine = ctx.wallet !== null && hash.toLowerCase() === `#/author/${ctx.wallet.address.toLowerCase()}`;
    for (const link of links) {
      const current = link.dataset.route === "feed" ? hash === "#/" : hash === "#/me" || mine;
      if (current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  };
  window.addEventListener("hashchange", mark);
  ctx.on((event) => event.type === "wallet" && mark(), new AbortController().signal);
  mark();
}

function badges(ctx: Ctx): (state: "live" | "reconnecting") => void {
  const local = ctx.config.chainId === LOCAL_CHAIN_ID;
  const stream = h("span", { class: "badge badge--stream", "data-stream": "connecting" }, "Connecting…");
  replace(byId<HTMLElement>("badges"),
    h("span", { class: "badge", title: `Chain id ${ctx.config.chainId}` }, local ? `Local chain · ${ctx.config.chainId}` : `Chain ${ctx.config.chainId}`),
    stream);
  return (state) => {
    stream.dataset.stream = state;
    stream.textContent = state === "live" ? "Live" : "Reconnecting…";
    stream.title = state === "live" ? "New posts and tips appear as they are indexed" : "The live stream dropped; reconnecting";
  };
}

function aboutPanel(ctx: Ctx, signal: AbortSignal): HTMLElement {
  const body = h("dl", { class: "amounts" });
  const render = () => {
    const { config } = ctx;
    replace(body,
      h("div", { class: "amounts__row" }, h("dt", {}, "Post fee"), h("dd", {}, ctx.assets.format(ETH, config.postFee))),
      h("div", { class: "amounts__row" }, h("dt", {}, "Tip fee"), h("dd", {}, `${config.tipFeeBps / 100}%`)),
      h("div", { class: "amounts__row" }, h("dt", {}, "Contract"), h("dd", { title: config.contracts.PennyPost }, shortAddress(config.contracts.PennyPost))),
      h("div", { class: "amounts__row" }, h("dt", {}, "Status"), h("dd", {}, config.paused ? "paused by the owner" : "open")));
  };
  ctx.on((event) => event.type === "config" && render(), signal);
  render();
  return h("section", { class: "panel about", "aria-labelledby": "about-title" },
    h("h2", { id: "about-title", class: "panel__title" }, "How it works"),
    h("p", { class: "hint" }, "Every post is a paid transaction on chain; tips go to the author minus a small fee, and authors withdraw when they like."),
    body);
}

/** Shows a banner while /ready says 503 (catching up or halted), and checks again until it clears. */
async function watchReadiness(): Promise<void> {
  const banner = h("div", { class: "banner", role: "status", hidden: true });
  document.querySelector(".layout")?.before(banner);
  for (;;) {
    try {
      await api.ready();
      banner.hidden = true;
      return;
    } catch (error) {
      banner.hidden = false;
      banner.textContent = describeError(error).message + " What you see may be behind the chain.";
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}

function router(ctx: Ctx): () => void {
  let current: AbortController | undefined;
  let first = true;
  const route = () => {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    main.replaceChildren();
    const hash = location.hash || "#/";
    let match: RegExpExecArray | null;
    if (hash === "#/" || hash === "#") feedView(ctx, main, controller.signal);
    else if ((match = /^#\/post\/(\d{1,78})$/.exec(hash)) !== null) threadView(ctx, main, controller.signal, BigInt(match[1]).toString());
    else if ((match = /^#\/author\/(0x[0-9a-fA-F]{40})$/.exec(hash)) !== null) authorView(ctx, main, controller.signal, match[1] as `0x${string}`);
    else if (hash === "#/me" && ctx.wallet !== null) authorView(ctx, main, controller.signal, ctx.wallet.address);
    else if (hash === "#/me") {
      document.title = "Your page · PennyPost";
      main.append(h("h1", { class: "view-title", tabindex: -1 }, "Your page"), h("p", {}, "Connect a wallet (in the Wallet panel) to see your posts, tips and balances."));
    } else {
      document.title = "Not found · PennyPost";
      main.append(h("h1", { class: "view-title", tabindex: -1 }, "Nothing here"), h("p", {}, "This page does not exist. ", h("a", { href: "#/" }, "Back to the feed"), "."));
    }
    // After a navigation (not the first load), move focus to the new view's heading.
    if (!first) main.querySelector<HTMLElement>("h1")?.focus();
    first = false;
    window.scrollTo(0, 0);
  };
  // "Your page" follows the connected account.
  ctx.on((event) => event.type === "wallet" && location.hash === "#/me" && route(), new AbortController().signal);
  return route;
}

async function boot(): Promise<void> {
  let ctx: Ctx;
  try {
    ctx = await createContext((await api.config()).data, announce);
  } catch (error) {
    const retry = h("button", { type: "button", class: "button" }, "Try again");
    retry.addEventListener("click", () => void boot());
    replace(main, h("h1", { class: "view-title" }, "PennyPost is not available"), h("p", { class: "notice notice--error", role: "alert" }, describeError(error).message), retry);
    return;
  }
  const forever = new AbortController().signal;
  replace(byId<HTMLElement>("sidebar"), walletPanel(ctx, forever), sessionPanel(ctx, forever), balancesPanel(ctx, forever), aboutPanel(ctx, forever));
  navigation(ctx);
  const streamState = badges(ctx);
  await restoreWallet(ctx).catch(() => {});
  openStream({
    post: (post) => ctx.emit({ type: "post", post }),
    tip: (tip) => ctx.emit({ type: "tip", tip }),
    state: streamState,
    resync: () => {
      ctx.emit({ type: "resync" });
      ctx.refreshConfig().catch(() => {});
    },
  });
  // Fee changes and pauses have no stream event: look again now and then while the page is seen.
  setInterval(() => document.visibilityState === "visible" && void ctx.refreshConfig().catch(() => {}), 60_000);
  setInterval(refreshTimes, 30_000);
  const route = router(ctx);
  window.addEventListener("hashchange", route);
  route();
  void watchReadiness();
}

void boot();
