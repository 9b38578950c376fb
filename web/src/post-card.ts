/** One post as a card: author, time, text, replies and tips, and a Tip disclosure. */
import type { PostView } from "./api.ts";
import type { Ctx } from "./context.ts";
import { h, replace, uid } from "./dom.ts";
import { shortAddress, timeAgo } from "./format.ts";
import { tipForm } from "./tip.ts";

export interface PostCard {
  element: HTMLElement;
  /** Shows newer stats (replies, tips) of the same post. */
  update(view: PostView): void;
}

/** A decorative avatar whose colour and letters come from the address. */
export function avatar(address: string): HTMLElement {
  const shade = Number.parseInt(address.slice(2, 4), 16) % 8;
  return h("span", { class: `avatar avatar--${shade}`, "aria-hidden": "true" }, address.slice(2, 4));
}

export const authorLink = (ctx: Ctx, address: string): HTMLElement =>
  h("span", { class: "author" },
    h("a", { class: "author__link", href: `#/author/${address}`, title: address }, shortAddress(address)),
    ctx.isMe(address) ? h("span", { class: "tag" }, "you") : null);

export const postTime = (seconds: number): HTMLElement => {
  const date = new Date(seconds * 1000);
  return h("time", { datetime: date.toISOString(), title: date.toLocaleString(), "data-seconds": seconds }, timeAgo(seconds));
};

/** Brings every "5 min ago" on the page up to date (main.ts calls it every half minute). */
export function refreshTimes(): void {
  for (const time of document.querySelectorAll<HTMLTimeElement>("time[data-seconds]")) time.textContent = timeAgo(Number(time.dataset.seconds));
}

/** How a post reached the chain, as its card says it: its own transaction, or through the relayer. */
const MODE_LABELS: Record<string, { text: string; title: string }> = {
  direct: { text: "direct", title: "Sent in its own transaction by its author" },
  batched: { text: "relayed · batched", title: "Signed by its author, carried by the relayer in a batch; its signature was checked on chain" },
  "anchored-calldata": { text: "relayed · anchored", title: "Signed by its author, anchored by the sequencer under a Merkle root; the data is in the chain's calldata" },
  "anchored-hash": { text: "relayed · anchored (hash)", title: "Signed by its author, anchored by the sequencer under a Merkle root; only the data's hash is on chain" },
};

export function modeTag(mode: string): HTMLElement {
  const label = MODE_LABELS[mode] ?? { text: mode, title: mode };
  return h("span", { class: `tag tag--mode tag--${mode === "direct" ? "direct" : "relayed"}`, "data-mode": mode, title: label.title }, label.text);
}

export function postCard(ctx: Ctx, view: PostView, signal: AbortSignal, options: { main?: boolean; fresh?: boolean } = {}): PostCard {
  const titleId = uid(`post-${view.id}`);
  const stats = h("span", { class: "post__stats" });
  const tipPanel = h("div", { class: "post__tip", id: uid("tip-panel"), hidden: true });
  const tipButton = h("button", { type: "button", class: "button button--small", "aria-expanded": "false", "aria-controls": tipPanel.id },
    "Tip", h("span", { class: "visually-hidden" }, ` post #${view.id}`));
  tipButton.addEventListener("click", () => {
    const open = tipPanel.hidden;
    if (open && tipPanel.childElementCount === 0) tipPanel.append(tipForm(ctx, view, signal));
    tipPanel.hidden = !open;
    tipButton.setAttribute("aria-expanded", String(open));
    if (open) tipPanel.querySelector<HTMLElement>("input:checked, input")?.focus();
  });

  const renderStats = (current: PostView) => {
    const totals = ctx.assets.formatAll(current.stats.totals);
    const replies = current.stats.replies === 1 ? "1 reply" : `${current.stats.replies} replies`;
    const tips = current.stats.tips === 1 ? "1 tip" : `${current.stats.tips} tips`;
    replace(stats,
      h("a", { href: `#/post/${current.id}`, class: "post__replies" }, replies),
      h("span", { class: "post__tips" }, totals === "" ? tips : `${tips} · ${totals}`));
  };
  renderStats(view);

  const element = h("article", { class: `post${options.main ? " post--main" : ""}${options.fresh ? " post--fresh" : ""}`, "data-post-id": view.id, "aria-labelledby": titleId },
    avatar(view.author),
    h("div", { class: "post__body" },
      h("header", { class: "post__header" },
        authorLink(ctx, view.author),
        h("span", { class: "post__meta" },
          h("a", { href: `#/post/${view.id}`, id: titleId, "aria-label": `Post #${view.id} by ${shortAddress(view.author)}` }, `#${view.id}`),
          " · ", postTime(view.timestamp), " ", modeTag(view.mode))),
      view.parentId === "0" ? null : h("p", { class: "post__reply-to" }, "Reply to ", h("a", { href: `#/post/${view.parentId}` }, `#${view.parentId}`)),
      h("p", { class: "post__content" }, view.content),
      h("footer", { class: "post__footer" }, stats, tipButton),
      tipPanel));
  return { element, update: renderStats };
}
