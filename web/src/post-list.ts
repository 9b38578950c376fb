/**
 * A paged list of post cards (feed, replies, an author's posts): "Load more" follows the API's
 * cursor; live posts are added without a reload; a tip refreshes the tipped post's card.
 */
import { api, type Envelope, type PostView } from "./api.ts";
import type { Ctx } from "./context.ts";
import { h } from "./dom.ts";
import { describeError } from "./errors.ts";
import { postCard, type PostCard } from "./post-card.ts";

export type PageFetcher = (cursor: string | undefined, signal: AbortSignal) => Promise<Envelope<PostView[]>>;

export interface PostList {
  element: HTMLElement;
  /** Loads the first page (again), replacing what is shown. */
  reload(): Promise<void>;
  /** Adds a post that arrived live, at the top (newest first) or at the bottom (oldest first). */
  add(view: PostView): void;
  has(id: string): boolean;
  /** True when every page is loaded: a live post belongs at the bottom only then. */
  complete(): boolean;
  /** Refetches post `id` if it is shown, and updates its card. */
  refresh(id: string): Promise<void>;
}

export function postList(ctx: Ctx, signal: AbortSignal, options: { label: string; empty: string; newestFirst: boolean; fetch: PageFetcher }): PostList {
  const cards = new Map<string, PostCard>();
  const list = h("ol", { class: "posts", "aria-label": options.label });
  const empty = h("p", { class: "empty", hidden: true }, options.empty);
  const more = h("button", { type: "button", class: "button button--quiet load-more", hidden: true }, "Load more posts");
  const problem = h("div", { class: "list-problem" });
  const element = h("div", { class: "post-list", "aria-busy": "true" }, problem, empty, list, more);
  let next: string | null = null;
  let loading = false;

  const item = (view: PostView, fresh: boolean): HTMLLIElement => {
    const card = postCard(ctx, view, signal, { fresh });
    cards.set(view.id, card);
    return h("li", { class: "posts__item" }, card.element);
  };

  const load = async (cursor: string | undefined) => {
    loading = true;
    element.setAttribute("aria-busy", "true");
    problem.replaceChildren();
    try {
      const page = await options.fetch(cursor, signal);
      if (cursor === undefined) {
        cards.clear();
        list.replaceChildren();
      }
      for (const view of page.data) if (!cards.has(view.id)) list.append(item(view, false));
      next = page.page?.next ?? null;
      more.hidden = next === null;
      empty.hidden = cards.size > 0;
    } catch (error) {
      if (signal.aborted) return;
      const retry = h("button", { type: "button", class: "button button--small" }, "Try again");
      retry.addEventListener("click", () => void load(cursor));
      problem.replaceChildren(h("p", { class: "notice notice--error", role: "alert" }, describeError(error).message, " ", retry));
    } finally {
      loading = false;
      element.removeAttribute("aria-busy");
    }
  };
  more.addEventListener("click", () => {
    const first = list.lastElementChild;
    void load(next ?? undefined).then(() => {
      // Keep the keyboard where the reader was: on the first newly loaded post.
      (first?.nextElementSibling?.querySelector("a") as HTMLElement | null)?.focus();
    });
  });

  return {
    element,
    reload: () => load(undefined),
    add(view) {
      if (cards.has(view.id)) return;
      if (options.newestFirst) list.prepend(item(view, true));
      else list.append(item(view, true));
      empty.hidden = true;
    },
    has: (id) => cards.has(id),
    complete: () => next === null && !loading,
    async refresh(id) {
      const card = cards.get(id);
      if (card === undefined) return;
      try {
        card.update((await api.post(id, signal)).data);
      } catch {
        // stale stats until the next event: not worth an error on screen
      }
    },
  };
}
