/** #/ — the global feed, newest first, live: new posts appear as the stream delivers them. */
import { api, type PostRecord, type PostView } from "./api.ts";
import { composeForm } from "./compose.ts";
import type { Ctx } from "./context.ts";
import { h } from "./dom.ts";
import { postList } from "./post-list.ts";

/** A post from the stream as the listings show it: a new post has no replies or tips yet. */
export const freshView = (post: PostRecord): PostView => ({ ...post, stats: { replies: 0, tips: 0, totals: {} } });

export function feedView(ctx: Ctx, main: HTMLElement, signal: AbortSignal): void {
  document.title = "PennyPost";
  const posts = postList(ctx, signal, {
    label: "Posts, newest first", empty: "No posts yet. Be the first: every post costs a penny.", newestFirst: true,
    fetch: (cursor, s) => api.feed(cursor, s),
  });
  main.append(
    h("h1", { class: "view-title", tabindex: -1 }, "Latest posts"),
    h("section", { class: "panel", "aria-label": "New post" }, composeForm(ctx, "0", signal)),
    posts.element);
  ctx.on((event) => {
    if (event.type === "post") {
      posts.add(freshView(event.post));
      if (event.post.parentId !== "0") void posts.refresh(event.post.parentId);
    } else if (event.type === "tip") void posts.refresh(event.tip.postId);
    else if (event.type === "resync") void posts.reload();
  }, signal);
  void posts.reload();
}
