import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";

import { RELAYED_METHODS } from "../../server/api/routes/rpc.ts";
import { startAnvil, type Anvil } from "../indexer/anvil.ts";
import { problemCode, startApi, type Harness } from "./helpers.ts";

const call = (method: string, params: unknown[] = [], id = 1) => ({ jsonrpc: "2.0", id, method, params });

async function post(url: string, body: unknown) {
  const response = await fetch(`${url}/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) };
}

describe("POST /rpc", () => {
  let anvil: Anvil;
  let api: Harness;
  before(async () => {
    anvil = await startAnvil();
    api = await startApi({ rpcUrl: anvil.url });
  });
  after(async () => {
    await api.close();
    await anvil.stop();
  });

  it("relays a read to the chain and returns the node's answer", async () => {
    const res = await post(api.url, call("eth_chainId"));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { jsonrpc: "2.0", id: 1, result: "0x7a69" });
  });

  it("relays a batch", async () => {
    const res = await post(api.url, [call("eth_chainId", [], 1), call("eth_blockNumber", [], 2)]);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.map((r: { id: number }) => r.id).sort(), [1, 2]);
  });

  for (const method of ["eth_sendTransaction", "eth_sign", "personal_sign", "anvil_setBalance", "evm_mine", "debug_traceTransaction", "admin_peers"]) {
    it(`refuses ${method} with 403 rpc_method_not_relayed, also inside a batch`, async () => {
      assert.equal(RELAYED_METHODS.has(method), false);
      const alone = await post(api.url, call(method));
      assert.equal(alone.status, 403);
      assert.equal(problemCode(alone), "rpc_method_not_relayed");
      const batch = await post(api.url, [call("eth_chainId"), call(method, [], 2)]);
      assert.equal(batch.status, 403);
    });
  }

  it("rejects an empty batch and a batch of more than 20 with 400 bad_request", async () => {
    assert.equal(problemCode(await post(api.url, [])), "bad_request");
    assert.equal(problemCode(await post(api.url, Array.from({ length: 21 }, (_, i) => call("eth_chainId", [], i)))), "bad_request");
  });

  it("answers 503 chain_unavailable when the node does not answer", async () => {
    const orphan = await startApi({ rpcUrl: "http://127.0.0.1:9" });
    const res = await post(orphan.url, call("eth_chainId"));
    await orphan.close();
    assert.equal(res.status, 503);
    assert.equal(problemCode(res), "chain_unavailable");
  });

  it("answers 404 not_found when the server relays no JSON-RPC", async () => {
    const bare = await startApi();
    const res = await post(bare.url, call("eth_chainId"));
    await bare.close();
    assert.equal(res.status, 404);
    assert.equal(problemCode(res), "not_found");
  });
});
