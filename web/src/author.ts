/** #/author/:address — an account's posts, tips received and sent, what it is owed. Live. */
import type { Address } from "viem";

import { api, type AuthorView } from "./api.ts";
import { assetsOf } from "./balances.ts";
import type { Ctx } from "./context.ts";
import { h, replace } from "./dom.ts";
import { describeError } from "./errors.ts";
import { freshView } from "./feed.ts";
import { shortAddress } from "./format.ts";
import { avatar } from "./post-card.ts";
import { postList } from "./post-list.ts";

export function authorView(ctx: Ctx, main: HTMLElement, signal: AbortSignal, address: Address): void {
  const lower = address.toLowerCase();
  document.title = `${shortAddress(lower)} · PennyPost`;
  const profile = h("div", { class: "profile", "aria-busy": "true" });
  const posts = postList(ctx, signal, {
    label: `Posts by ${shortAddress(lower)}, newest first`, empty: "No posts by this address yet.", newestFirst: true,
    fetch: (cursor, s) => api.authorPosts(address, cursor, s).catch((error: unknown) => {
      // An address the index has never seen has no posts: an empty page, not an error.
      if (describeError(error).code === "not_found") return { data: [], page: { next: null }, block: { number: null, hash: null, final: false } };
      throw error;
    }),
  });

  const you = h("span", { class: "tag", hidden: !ctx.isMe(lower) }, "you");
  main.append(
    h("div", { class: "author-head" }, avatar(lower),
      h("div", {},
        h("h1", { class: "view-title", tabindex: -1 }, shortAddress(lower), " ", you),
        h("p", { class: "address" }, h("code", {}, lower)))),
    profile,
    h("h2", { class: "section-title" }, "Posts"),
    posts.element);

  const amounts = (record: Record<string, string>, always: boolean): string =>
    (always ? assetsOf(ctx, record) : Object.keys(record).filter((asset) => BigInt(record[asset]) > 0n))
      .map((asset) => ctx.assets.format(asset, record[asset] ?? "0")).join(" · ") || "none";

  const stat = (label: string, name: string, value: string) =>
    h("div", { class: "stat" }, h("dt", {}, label), h("dd", { "data-stat": name }, value));

  const render = (view: AuthorView | null) => {
    const v = view ?? { posts: 0, tipsReceived: 0, tipsSent: 0, received: {}, sent: {}, owed: {}, withdrawn: {} };
    replace(profile,
      view === null ? h("p", { class: "hint" }, "This address has not posted, tipped or been tipped yet.") : null,
      h("dl", { class: "stats" },
        stat("Posts", "posts", String(v.posts)),
        stat(`Tips received (${v.tipsReceived}), after fees`, "received", amounts(v.received, false)),
        stat(`Tips sent (${v.tipsSent})`, "sent", amounts(v.sent, false)),
        stat("Owed, not yet withdrawn", "owed", amounts(v.owed, true)),
        stat("Withdrawn", "withdrawn", amounts(v.withdrawn, false))));
  };

  const load = async () => {
    try {
      render((await api.author(address, signal))?.data ?? null);
    } catch (error) {
      if (!signal.aborted) replace(profile, h("p", { class: "notice notice--error", role: "alert" }, describeError(error).message));
    } finally {
      profile.removeAttribute("aria-busy");
    }
  };

  ctx.on((event) => {
    if (event.type === "post" && event.post.author === lower) {
      posts.add(freshView(event.post));
      void load();
    } else if (event.type === "tip") {
      if (event.tip.author === lower || event.tip.tipper === lower) void load();
      void posts.refresh(event.tip.postId);
    } else if (event.type === "indexed" && event.account.toLowerCase() === lower) void load();
    else if (event.type === "wallet") you.hidden = !ctx.isMe(lower);
    else if (event.type === "resync") {
      void load();
      void posts.reload();
    }
  }, signal);
  void load();
  void posts.reload();
}
