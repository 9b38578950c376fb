import assert from "node:assert/strict";

import { describe, it } from "mocha";

import { POST_FEE, TEXT_280, deployPennyPost, networkHelpers, viem } from "./fixtures.ts";

const { loadFixture } = networkHelpers;

describe("PennyPost", () => {
  describe("deployment", () => {
    it("sets owner, treasury, fees and the content limit", async () => {
      const { pennyPost, owner } = await loadFixture(deployPennyPost);
      assert.equal((await pennyPost.read.owner()).toLowerCase(), owner.account.address);
      assert.equal((await pennyPost.read.treasury()).toLowerCase(), owner.account.address);
      assert.equal(await pennyPost.read.postFee(), POST_FEE);
      assert.equal(await pennyPost.read.tipFeeBps(), 250n);
      assert.equal(await pennyPost.read.MAX_CONTENT_BYTES(), 1024n);
    });

    it("reverts with PennyPostPostFeeTooHigh above MAX_POST_FEE", async () => {
      const { owner, pennyPost } = await loadFixture(deployPennyPost);
      const max = await pennyPost.read.MAX_POST_FEE();
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("PennyPost", [owner.account.address, owner.account.address, max + 1n, 0n]),
        pennyPost, "PennyPostPostFeeTooHigh", [max + 1n, max],
      );
    });

    it("reverts with PennyPostTipFeeTooHigh above MAX_TIP_FEE_BPS", async () => {
      const { owner, pennyPost } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("PennyPost", [owner.account.address, owner.account.address, 0n, 1001n]),
        pennyPost, "PennyPostTipFeeTooHigh", [1001n, 1000n],
      );
    });

    it("reverts with PennyPostZeroAddress for a zero treasury", async () => {
      const { owner, pennyPost } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomError(
        viem.deployContract("PennyPost", [owner.account.address, "0x0000000000000000000000000000000000000000", 0n, 0n]),
        pennyPost, "PennyPostZeroAddress",
      );
    });
  });

  describe("post", () => {
    it("numbers posts from 1 upwards and records the author", async () => {
      const { pennyPost, asAlice, alice } = await loadFixture(deployPennyPost);
      assert.equal(await pennyPost.read.postCount(), 1n);
      await asAlice.write.post([0n, "second"], { value: POST_FEE });
      assert.equal(await pennyPost.read.postCount(), 2n);
      assert.equal((await pennyPost.read.authorOf([2n])).toLowerCase(), alice.account.address);
    });

    it("emits Posted with id, author, parent, fee and content", async () => {
      const { pennyPost, asAlice, alice } = await loadFixture(deployPennyPost);
      await viem.assertions.emitWithArgs(
        asAlice.write.post([1n, "a reply"], { value: POST_FEE }),
        pennyPost, "Posted", [2n, alice.account.address, 1n, POST_FEE, "a reply"],
      );
    });

    it("owes the posting fee to the treasury", async () => {
      const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
      const before = await pennyPost.read.feesOwed(["0x0000000000000000000000000000000000000000"]);
      await viem.assertions.balancesHaveChanged(asAlice.write.post([0n, "fee"], { value: POST_FEE }), [
        { address: pennyPost.address, amount: POST_FEE },
      ]);
      assert.equal(await pennyPost.read.feesOwed(["0x0000000000000000000000000000000000000000"]), before + POST_FEE);
    });

    it("accepts exactly MAX_CONTENT_BYTES bytes, counting UTF-8 bytes not characters", async () => {
      const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
      await asAlice.write.post([0n, "x".repeat(1024)], { value: POST_FEE });
      const emoji = "🪙".repeat(257); // 4 bytes each: 1,028 bytes, 257 characters
      await viem.assertions.revertWithCustomErrorWithArgs(
        asAlice.write.post([0n, emoji], { value: POST_FEE }), pennyPost, "PennyPostContentTooLong", [1028n, 1024n],
      );
    });

    it("is free when the owner sets the fee to 0", async () => {
      const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
      await pennyPost.write.setPostFee([0n]);
      await viem.assertions.emit(asAlice.write.post([0n, "free"]), pennyPost, "Posted");
    });

    describe("when the fee is wrong", () => {
      for (const [label, paid] of [["zero", 0n], ["too little", POST_FEE - 1n], ["too much", POST_FEE + 1n]] as const) {
        it(`reverts with PennyPostWrongFee when paying ${label}, and posts nothing`, async () => {
          const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
          await viem.assertions.revertWithCustomErrorWithArgs(
            asAlice.write.post([0n, "hi"], { value: paid }), pennyPost, "PennyPostWrongFee", [paid, POST_FEE],
          );
          assert.equal(await pennyPost.read.postCount(), 1n);
        });
      }
    });

    it("reverts with PennyPostEmptyContent for empty content", async () => {
      const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomError(
        asAlice.write.post([0n, ""], { value: POST_FEE }), pennyPost, "PennyPostEmptyContent",
      );
    });

    it("reverts with PennyPostContentTooLong over MAX_CONTENT_BYTES", async () => {
      const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asAlice.write.post([0n, "x".repeat(1025)], { value: POST_FEE }),
        pennyPost, "PennyPostContentTooLong", [1025n, 1024n],
      );
    });

    it("reverts with PennyPostUnknownPost when replying to a post that does not exist", async () => {
      const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asAlice.write.post([2n, "to nobody"], { value: POST_FEE }), pennyPost, "PennyPostUnknownPost", [2n],
      );
      assert.equal(await pennyPost.read.postCount(), 1n);
    });

    it("reverts with EnforcedPause while paused", async () => {
      const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
      await pennyPost.write.pause();
      await viem.assertions.revertWithCustomError(
        asAlice.write.post([0n, "hi"], { value: POST_FEE }), pennyPost, "EnforcedPause",
      );
      assert.equal(await pennyPost.read.postCount(), 1n);
    });

    it("costs at most 66,000 gas for a 280-byte post (regression guard; README has the figure)", async () => {
      const { asAlice, publicClient } = await loadFixture(deployPennyPost);
      const hash = await asAlice.write.post([0n, TEXT_280], { value: POST_FEE });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      assert.ok(receipt.gasUsed <= 66_000n, `post used ${receipt.gasUsed} gas`);
    });
  });

  describe("authorOf", () => {
    it("reverts with PennyPostUnknownPost for id 0 and ids past postCount", async () => {
      const { pennyPost } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomErrorWithArgs(pennyPost.read.authorOf([0n]), pennyPost, "PennyPostUnknownPost", [0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(pennyPost.read.authorOf([2n]), pennyPost, "PennyPostUnknownPost", [2n]);
    });
  });
});
