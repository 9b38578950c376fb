import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";

import { after, before, describe, it } from "mocha";

import { Post, Tip } from "../../server/api/models.ts";
import { ALICE, BOB, MAX_UINT256, getJson, problemCode, startApi, type Harness } from "./helpers.ts";

interface SseEvent {
  event: string;
  id: string;
  data: string;
}

/** An open /v1/stream connection: raw text so far, parsed events, and a way to wait for more. */
async function connect(url: string) {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/stream`, { signal: controller.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
      }
    } catch {
      // aborted
    }
  })();
  const events = (): SseEvent[] =>
    text
      .split("\n\n")
      .filter((block) => block.startsWith("event:"))
      .map((block) => {
        const fields = new Map(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]));
        return { event: fields.get("event") ?? "", id: fields.get("id") ?? "", data: fields.get("data") ?? "" };
      });
  const until = async (done: () => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; stream so far: ${JSON.stringify(text)}`);
      await sleep(5);
    }
  };
  const close = async () => {
    controller.abort();
    await pump;
  };
  return { res, text: () => text, events, until, close };
}

describe("GET /v1/stream", () => {
  let api: Harness;
  before(async () => {
    api = await startApi({ streamHeartbeatMs: 40 });
  });
  after(() => api.close());

  it("streams ingested posts and tips as SSE events with chain positions as ids", async () => {
    const stream = await connect(api.url);
    try {
      assert.equal(stream.res.status, 200);
      assert.match(stream.res.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.equal(stream.res.headers.get("cache-control"), "no-cache, no-transform");
      await stream.until(() => api.hub.size() === 1);

      await api.chain.mine(api.chain.post(ALICE, "live"));
      await api.chain.mine({ kind: "PostFeeSet", newFee: 1n }, api.chain.tip(1n, BOB, ALICE, MAX_UINT256));
      await stream.until(() => stream.events().length === 2);

      const [post, tip] = stream.events();
      assert.equal(post.event, "post");
      assert.equal(post.id, "000000000001000000");
      const postData = JSON.parse(post.data);
      Post.parse(postData.data);
      assert.equal(postData.data.content, "live");
      assert.deepEqual(postData.block, { number: 1, hash: postData.block.hash });

      assert.equal(tip.event, "tip");
      assert.equal(tip.id, "000000000002000001");
      const tipData = JSON.parse(tip.data);
      Tip.parse(tipData.data);
      assert.equal(tipData.data.amount, MAX_UINT256.toString());
      assert.equal(tipData.block.number, 2);
    } finally {
      await stream.close();
    }
  });

  it("sends a heartbeat comment at the configured interval", async () => {
    const stream = await connect(api.url);
    try {
      await stream.until(() => stream.text().split(": heartbeat\n\n").length >= 3);
    } finally {
      await stream.close();
    }
  });

  it("unsubscribes and updates the client gauge when the client disconnects", async () => {
    const streams = await Promise.all([connect(api.url), connect(api.url)]);
    await streams[0].until(() => api.hub.size() === 2);
    const gauge = async () => (await api.registry.getSingleMetric("pennypost_stream_clients")!.get()).values[0].value;
    assert.equal(await gauge(), 2);
    await streams[0].close();
    await streams[1].until(() => api.hub.size() === 1);
    await streams[1].close();
    await streams[1].until(() => api.hub.size() === 0);
    assert.equal(await gauge(), 0);
  });

  it("rejects query parameters with 400 invalid_parameter", async () => {
    const res = await getJson(`${api.url}/v1/stream?since=1`);
    assert.equal(res.status, 400);
    assert.equal(problemCode(res), "invalid_parameter");
    assert.equal(api.hub.size(), 0);
  });
});
