/** #/post/:id — a post with its tips and replies (oldest first), and a reply form. Live. */
import { api, type TipRecord } from "./api.ts";
import { composeForm } from "./compose.ts";
import type { Ctx } from "./context.ts";
import { h, replace } from "./dom.ts";
import { describeError } from "./errors.ts";
import { freshView } from "./feed.ts";
import { authorLink, postCard, postTime, type PostCard } from "./post-card.ts";
import { postList } from "./post-list.ts";

export function threadView(ctx: Ctx, main: HTMLElement, signal: AbortSignal, id: string): void {
  document.title = `Post #${id} · PennyPost`;
  const top = h("div", { class: "thread__post", "aria-busy": "true" });
  const tips = h("ol", { class: "tips", "aria-label": `Latest tips on post #${id}` });
  const replies = postList(ctx, signal, {
    label: `Replies to post #${id}, oldest first`, empty: "No replies yet.", newestFirst: false,
    fetch: (cursor, s) => api.replies(id, cursor, s),
  });
  let card: PostCard | undefined;

  main.append(
    h("h1", { class: "view-title", tabindex: -1 }, `Post #${id}`),
    top,
    h("section", { class: "panel", "aria-labelledby": "tips-title" }, h("h2", { id: "tips-title", class: "panel__title" }, "Tips"), tips),
    h("section", { "aria-labelledby": "replies-title" },
      h("h2", { id: "replies-title", class: "section-title" }, "Replies"),
      replies.element,
      h("div", { class: "panel" }, composeForm(ctx, id, signal))));

  const tipItem = (tip: TipRecord) =>
    h("li", { class: "tips__item" }, authorLink(ctx, tip.tipper), ` tipped ${ctx.assets.format(tip.asset, tip.amount)} · `, postTime(tip.timestamp));

  const load = async () => {
    try {
      const [post, recent] = await Promise.all([api.post(id, signal), api.tips(id, signal)]);
      if (card === undefined) {
        card = postCard(ctx, post.data, signal, { main: true });
        replace(top, card.element);
      } else card.update(post.data);
      replace(tips, recent.data.length === 0 ? h("li", { class: "empty" }, "No tips yet.") : recent.data.map(tipItem));
    } catch (error) {
      if (signal.aborted) return;
      const problem = describeError(error);
      replace(top, h("p", { class: "notice notice--error", role: "alert" },
        problem.code === "not_found" ? `There is no post #${id} (yet).` : problem.message));
    } finally {
      top.removeAttribute("aria-busy");
    }
  };

  ctx.on((event) => {
    if (event.type === "post" && event.post.parentId === id) {
      if (replies.complete()) replies.add(freshView(event.post));
      void load();
    } else if (event.type === "tip") {
      if (event.tip.postId === id) void load();
      else void replies.refresh(event.tip.postId);
    } else if (event.type === "resync") {
      void load();
      void replies.reload();
    }
  }, signal);
  void load();
  void replies.reload();
}
