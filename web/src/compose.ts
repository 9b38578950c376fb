/**
 * Compose a post or a reply: the text (checked against the contract's limit in UTF-8 bytes before
 * anything is sent), the posting fee shown before paying, then the transaction's progress.
 */
import { formatEther, parseEventLogs } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import type { Ctx } from "./context.ts";
import { h, uid } from "./dom.ts";
import { PageError } from "./errors.ts";
import { utf8Bytes } from "./format.ts";
import { activeSession, relayPost } from "./session.ts";
import { Progress, requireWallet, runAction, sendContractTx } from "./tx.ts";

/** IPennyPost.MAX_CONTENT_BYTES. */
export const MAX_CONTENT_BYTES = 1024;

/** The reason `text` cannot be posted, or undefined when it can. */
export function contentProblem(text: string): PageError | undefined {
  if (text.trim() === "") return new PageError("content_empty", "Write something first: a post cannot be empty.");
  const bytes = utf8Bytes(text);
  if (bytes > MAX_CONTENT_BYTES) {
    return new PageError("content_too_long", `The text is ${bytes} bytes long; at most ${MAX_CONTENT_BYTES} bytes fit in a post. Shorten it by ${bytes - MAX_CONTENT_BYTES} bytes.`);
  }
  return undefined;
}

export function composeForm(ctx: Ctx, parentId: string, signal: AbortSignal): HTMLFormElement {
  const isReply = parentId !== "0";
  const ids = { text: uid("compose-text"), counter: uid("compose-counter"), fee: uid("compose-fee") };
  const textarea = h("textarea", { id: ids.text, name: "content", rows: 3, class: "compose__text", "aria-describedby": `${ids.counter} ${ids.fee}`,
    placeholder: isReply ? "Write a reply" : "What is worth a penny today?" });
  const counter = h("span", { id: ids.counter, class: "counter" });
  const fee = h("span", { id: ids.fee, class: "compose__fee" });
  const paused = h("p", { class: "notice notice--warn", hidden: true }, "PennyPost is paused by its owner: posts will be refused until it resumes.");
  const button = h("button", { type: "submit", class: "button button--primary" }, isReply ? "Reply" : "Post");
  const viaSession = h("input", { type: "checkbox", id: uid("compose-session"), name: "session" });
  const sessionLabel = h("label", { class: "compose__session", hidden: true }, viaSession, " Sign with my session key (no wallet prompt, paid from the deposit)");
  const showSession = () => void activeSession(ctx).then((session) => {
    sessionLabel.hidden = session === undefined;
    viaSession.checked = session !== undefined;
  }, () => undefined);
  ctx.on((event) => (event.type === "wallet" || event.type === "indexed" || event.type === "session") && showSession(), signal);
  showSession();
  const progress = new Progress(isReply ? "Reply progress" : "Post progress");
  /** The fee this form pays: the config's, or the one a PennyPostWrongFee revert reported. */
  let postFee = BigInt(ctx.config.postFee);

  const showCounter = () => {
    const bytes = utf8Bytes(textarea.value);
    counter.textContent = `${bytes.toLocaleString("en-US")} / ${MAX_CONTENT_BYTES.toLocaleString("en-US")} bytes`;
    counter.classList.toggle("counter--over", bytes > MAX_CONTENT_BYTES);
    if (textarea.getAttribute("aria-invalid") === "true" && contentProblem(textarea.value) === undefined) textarea.removeAttribute("aria-invalid");
  };
  const showFee = () => {
    fee.textContent = `Posting fee: ${formatEther(postFee)} ETH, plus gas`;
    paused.hidden = !ctx.config.paused;
  };
  showCounter();
  showFee();
  textarea.addEventListener("input", showCounter);
  ctx.on((event) => {
    if (event.type !== "config") return;
    postFee = BigInt(ctx.config.postFee);
    showFee();
  }, signal);

  const form = h("form", { class: "compose", novalidate: true },
    h("label", { for: ids.text, class: "compose__label" }, isReply ? `Your reply to post #${parentId}` : "Your post"),
    textarea,
    h("div", { class: "compose__meta" }, counter, fee),
    paused,
    h("div", { class: "compose__actions" }, sessionLabel, button),
    progress.element);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(ctx, button, progress, async () => {
      const content = textarea.value;
      const invalid = contentProblem(content);
      if (invalid !== undefined) {
        textarea.setAttribute("aria-invalid", "true");
        textarea.focus();
        throw invalid;
      }
      const wallet = requireWallet(ctx);
      const value = postFee;
      if (viaSession.checked && !sessionLabel.hidden) {
        const session = await activeSession(ctx);
        if (session === undefined) throw new PageError("no_session", "Your session has ended: start a new one in the Session key panel, or uncheck the session key.");
        const { postId } = await relayPost(ctx, session, progress, BigInt(parentId), content, value);
        textarea.value = "";
        showCounter();
        progress.succeed(`${isReply ? "Replied" : "Posted"} with your session key for ${formatEther(value)} ETH from your deposit`, postId === undefined ? "." : h("span", {}, ": ", h("a", { href: `#/post/${postId}` }, `post #${postId}`), "."));
        return;
      }
      const receipt = await sendContractTx(ctx, wallet, progress, {
        address: ctx.config.contracts.PennyPost, abi: pennyPostAbi, functionName: "post", args: [BigInt(parentId), content], value,
      });
      const [posted] = parseEventLogs({ abi: pennyPostAbi, eventName: "Posted", logs: receipt.logs });
      textarea.value = "";
      showCounter();
      const id = posted?.args.postId.toString();
      progress.succeed(`${isReply ? "Replied" : "Posted"} for ${formatEther(value)} ETH`, id === undefined ? "." : h("span", {}, ": ", h("a", { href: `#/post/${id}` }, `post #${id}`), "."));
    }, (problem) => {
      if (problem.code === "wrong_fee" && problem.requiredFee !== undefined) {
        // The revert carries the fee the chain requires now: authoritative, even if the index lags.
        postFee = problem.requiredFee;
        showFee();
      }
    });
  });
  return form;
}
