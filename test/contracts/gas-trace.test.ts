/**
 * scripts/bench/gas-trace.ts (the bench's `--profile` gas breakdown and gas-breakdown.ts) against
 * the chain's own accounting: a traced submitBatch's groups must add up to what the receipt charged,
 * 21,000 + 4 x calldata tokens + execution (the batch pays above its EIP-7623 floor), and each
 * post must show one ecrecover and one Posted log carrying its content.
 */
import assert from "node:assert/strict";

import { describe, it } from "mocha";
import { hexToBytes, parseEther, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { pennyPostDomain, signPost } from "../../lib/relayed.ts";
import { traceGas } from "../../scripts/bench/gas-trace.ts";
import { POST_FEE, TEXT_280, deployPennyPost, networkHelpers } from "./fixtures.ts";

describe("gas trace of a batch (bench --profile, gas-breakdown.ts)", () => {
  it("adds up to the receipt's gasUsed and finds one ecrecover and one content-carrying log per post", async () => {
    const { pennyPost, publicClient } = await networkHelpers.loadFixture(deployPennyPost);
    const domain = pennyPostDomain(await publicClient.getChainId(), pennyPost.address);
    const authors = Array.from({ length: 4 }, () => privateKeyToAccount(generatePrivateKey()));
    for (const a of authors) await pennyPost.write.deposit([a.address], { value: parseEther("1") });
    const posts = await Promise.all(Array.from({ length: 16 }, (_, i) => {
      const a = authors[i % 4]!;
      return signPost(a, domain, { author: a.address, parentId: 0n, content: TEXT_280, maxFee: POST_FEE, nonce: BigInt(Math.floor(i / 4)), deadline: 2n ** 40n });
    }));
    const hash = await pennyPost.write.submitBatch([posts, []]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const tx = await publicClient.getTransaction({ hash });
    const profile = await traceGas(publicClient as unknown as PublicClient, hash, tx.input, 16);

    const bytes = hexToBytes(tx.input);
    const zeros = bytes.filter((b) => b === 0).length;
    const tokens = zeros + 4 * (bytes.length - zeros);
    const charged = 21_000 + Math.max(4 * tokens + profile.executionPerItem * 16, 10 * tokens);
    assert.ok(Math.abs(charged - Number(receipt.gasUsed)) / Number(receipt.gasUsed) < 0.01, `trace ${charged} vs receipt ${receipt.gasUsed}`);
    assert.equal(profile.floorPerItem, Math.round((21_000 + 10 * tokens) / 16));
    const ecrecover = profile.perItem["ecrecover (precompile call)"]!;
    assert.ok(ecrecover >= 3_000 && ecrecover < 3_300, `ecrecover ${ecrecover}/post`);
    // LOG4 375 + 4 x 375 topics + 8 gas per data byte, the content (280 bytes, padded) among them
    assert.ok(profile.perItem["logs"]! >= 375 * 5 + 8 * 288, `logs ${profile.perItem["logs"]}/post`);
    assert.ok(profile.executionPerItem > profile.freeExecutionPerItem, "a batched post executes more than the floor leaves free (the README's claim)");
  });
});
