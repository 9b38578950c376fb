/**
 * `pennypost admin`: the owner's set-up calls (setSequencer, setTokenAccepted) as a command, against
 * a real anvil with PennyPostLocal deployed (owner: test account #0). Each result is read back
 * from the chain; every refusal is one line and sends nothing.
 */
import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import type { Address } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { removeTempDirs } from "../indexer/helpers.ts";
import { assertFails, field, pennypost, startCliChain, type CliChain } from "./helpers.ts";

describe("pennypost admin (CLI)", function () {
  this.timeout(180_000);
  let chain: CliChain;
  const isSequencer = (account: Address) => chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "isSequencer", args: [account] });
  const isAccepted = (token: Address) => chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "isTokenAccepted", args: [token] });
  const nonce = (i: number) => chain.anvil.client.getTransactionCount({ address: chain.address(i) });

  before(async () => {
    chain = await startCliChain();
  });
  after(async () => {
    await chain?.stop();
    await removeTempDirs();
  });

  describe("--sequencer", () => {
    it("lets an address anchor posts; again, it says so and sends nothing; --revoke stops it", async () => {
      const relayer = chain.address(5);
      assert.equal(await isSequencer(relayer), false);
      const set = await pennypost(chain, ["admin", "--sequencer", relayer]);
      assert.equal(set.status, 0, set.stderr);
      assert.equal(field(set.stdout, "sequencer"), `${relayer} may now anchor posts`);
      assert.match(field(set.stdout, "tx"), /^0x[0-9a-f]{64}$/);
      assert.equal(await isSequencer(relayer), true);

      const sent = await nonce(0);
      const again = await pennypost(chain, ["admin", "--sequencer", relayer]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(field(again.stdout, "sequencer"), /may already anchor posts: nothing sent$/);
      assert.equal(await nonce(0), sent, "no transaction");

      const revoked = await pennypost(chain, ["admin", "--sequencer", relayer, "--revoke"]);
      assert.equal(revoked.status, 0, revoked.stderr);
      assert.equal(field(revoked.stdout, "sequencer"), `${relayer} may no longer anchor posts`);
      assert.equal(await isSequencer(relayer), false);
    });

    describe("when the account is not the owner", () => {
      it("fails with one line naming the owner, and sends nothing", async () => {
        const sent = await nonce(1);
        const result = await pennypost(chain, ["admin", "--sequencer", chain.address(5)], { as: 1 });
        assertFails(result, new RegExp(`${chain.address(1)} is not the owner of PennyPost .* \\(the owner is ${chain.address(0)}\\); send it from the owner's account`));
        assert.equal(await nonce(1), sent);
        assert.equal(await isSequencer(chain.address(5)), false);
      });
    });
  });

  describe("--accept-token", () => {
    it("delists a token with --revoke and accepts it again", async () => {
      assert.equal(await isAccepted(chain.testToken), true, "PennyPostLocal accepts its test token");
      const delisted = await pennypost(chain, ["admin", "--accept-token", chain.testToken, "--revoke"]);
      assert.equal(delisted.status, 0, delisted.stderr);
      assert.match(field(delisted.stdout, "token"), /is no longer accepted for tips/);
      assert.equal(await isAccepted(chain.testToken), false);
      const accepted = await pennypost(chain, ["admin", "--accept-token", chain.testToken]);
      assert.equal(accepted.status, 0, accepted.stderr);
      assert.equal(field(accepted.stdout, "token"), `${chain.testToken} is now accepted for tips`);
      assert.equal(await isAccepted(chain.testToken), true);
    });

    it("refuses an address that is no ERC-20 there (no decimals()), sending nothing", async () => {
      const sent = await nonce(0);
      assertFails(await pennypost(chain, ["admin", "--accept-token", chain.address(7)]), /does not answer decimals\(\) on network "custom": is it an ERC-20 token there\? Nothing was sent$/);
      assert.equal(await nonce(0), sent);
    });
  });

  describe("bad arguments", () => {
    it("neither option, both, a malformed or zero address: one line each", async () => {
      assertFails(await pennypost(chain, ["admin"]), /give one of --sequencer <address> \(setSequencer\) or --accept-token <address>/);
      assertFails(await pennypost(chain, ["admin", "--sequencer", chain.address(5), "--accept-token", chain.testToken]), /give one of --sequencer/);
      assertFails(await pennypost(chain, ["admin", "--sequencer", "0x12"]), /--sequencer must be a 0x-prefixed 20-byte address, not "0x12"/);
      assertFails(await pennypost(chain, ["admin", "--accept-token", "0x0000000000000000000000000000000000000000"]), /--accept-token must be an account's address, not the zero address/);
    });
  });
});
