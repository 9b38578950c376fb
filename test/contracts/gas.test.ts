/**
 * The scenario behind the README's gas table:
 *   npx hardhat test mocha test/contracts/gas.test.ts --gas-stats
 * Every `post` here carries 280 bytes of text; the first tip to an author opens their balance
 * slot (max), later tips add to it (min). The assertions are regression guards on exact gas.
 */
import assert from "node:assert/strict";

import { describe, it } from "mocha";
import { parseEther } from "viem";

import { POST_FEE, TEXT_280, deployPennyPost, networkHelpers, viem } from "./fixtures.ts";

describe("gas figures (README)", () => {
  it("posts 280 bytes for ~65k gas and tips for ~40k-57k gas", async () => {
    const { asAlice, asTipper, tokenAsTipper, pennyPost, token, publicClient } = await networkHelpers.loadFixture(deployPennyPost);
    const gas = async (hash: Promise<`0x${string}`>) => (await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed;
    const posts: bigint[] = [];
    for (let i = 0; i < 10; i++) posts.push(await gas(asAlice.write.post([0n, TEXT_280], { value: POST_FEE })));
    const tips: bigint[] = [];
    for (let i = 0; i < 10; i++) tips.push(await gas(asTipper.write.tip([2n + BigInt(i)], { value: parseEther("0.001") })));
    await tokenAsTipper.write.approve([pennyPost.address, parseEther("100")]);
    const tokenTips: bigint[] = [];
    for (let i = 0; i < 5; i++) tokenTips.push(await gas(asTipper.write.tipToken([2n, token.address, parseEther("1")])));
    const withdraws = [await gas(asAlice.write.withdraw(["0x0000000000000000000000000000000000000000"]))];

    // 280-byte post: 21,000 + calldata + counter, fee and author slots + the Posted log.
    assert.ok(posts.every((g) => g === posts[0]) && posts[0] < 66_000n, `post: ${posts.join(", ")}`);
    assert.ok(tips[0] < 57_000n && tips.slice(1).every((g) => g < 40_000n), `tip: ${tips.join(", ")}`);
    assert.ok(tokenTips.slice(1).every((g) => g < 80_000n), `tipToken: ${tokenTips.join(", ")}`);
    assert.ok(withdraws[0] < 45_000n, `withdraw: ${withdraws.join(", ")}`);
  });
});
