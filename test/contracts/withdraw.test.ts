import assert from "node:assert/strict";

import { describe, it } from "mocha";
import { decodeErrorResult, parseEther } from "viem";

import { ETH, POST_FEE, deployPennyPost, networkHelpers, split, viem } from "./fixtures.ts";

const { loadFixture } = networkHelpers;
const TIP = parseEther("1");

/** Alice's post 1 tipped once in ETH and once in the test token. */
async function tipped() {
  const f = await deployPennyPost();
  await f.asTipper.write.tip([1n], { value: TIP });
  await f.tokenAsTipper.write.approve([f.pennyPost.address, TIP]);
  await f.asTipper.write.tipToken([1n, f.token.address, TIP]);
  return f;
}

/** A contract author that re-enters on receipt, with post 2 tipped 1 ETH; Alice's post 1 tipped too. */
async function reentrantAuthor() {
  const f = await tipped();
  const author = await viem.deployContract("ReentrantReceiver", [f.pennyPost.address]);
  await author.write.post(["I re-enter"], { value: POST_FEE });
  await f.asTipper.write.tip([2n], { value: TIP });
  return { ...f, author };
}

/** As `reentrantAuthor`, with an author that refuses ether. */
async function revertingAuthor() {
  const f = await tipped();
  const author = await viem.deployContract("RevertingReceiver", [f.pennyPost.address]);
  await author.write.post(["I refuse ether"], { value: POST_FEE });
  await f.asTipper.write.tip([2n], { value: TIP });
  return { ...f, author };
}

describe("PennyPost", () => {
  describe("withdraw", () => {
    it("pays the caller everything owed in ETH and zeroes the balance", async () => {
      const { pennyPost, asAlice, alice } = await loadFixture(tipped);
      const { share } = split(TIP);
      await viem.assertions.balancesHaveChanged(asAlice.write.withdraw([ETH]), [
        { address: alice.account.address, amount: share },
        { address: pennyPost.address, amount: -share },
      ]);
      assert.equal(await pennyPost.read.owed([alice.account.address, ETH]), 0n);
    });

    it("pays a token balance and emits Withdrawn", async () => {
      const { pennyPost, asAlice, alice, token } = await loadFixture(tipped);
      const { share } = split(TIP);
      const before = await token.read.balanceOf([alice.account.address]);
      await viem.assertions.emitWithArgs(asAlice.write.withdraw([token.address]), pennyPost, "Withdrawn", [
        alice.account.address, token.address, alice.account.address, share,
      ]);
      assert.equal(await token.read.balanceOf([alice.account.address]), before + share);
    });

    it("keeps working while paused, so no one's money is locked", async () => {
      const { pennyPost, asAlice, alice } = await loadFixture(tipped);
      await pennyPost.write.pause();
      await asAlice.write.withdraw([ETH]);
      assert.equal(await pennyPost.read.owed([alice.account.address, ETH]), 0n);
    });

    it("keeps working for a token that is no longer accepted", async () => {
      const { pennyPost, asAlice, alice, token } = await loadFixture(tipped);
      await pennyPost.write.setTokenAccepted([token.address, false]);
      await asAlice.write.withdraw([token.address]);
      assert.equal(await pennyPost.read.owed([alice.account.address, token.address]), 0n);
    });

    it("reverts with PennyPostNothingToWithdraw when nothing is owed, and a second time after paying", async () => {
      const { pennyPost, asAlice, asStranger, alice, stranger } = await loadFixture(tipped);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asStranger.write.withdraw([ETH]), pennyPost, "PennyPostNothingToWithdraw", [stranger.account.address, ETH],
      );
      await asAlice.write.withdraw([ETH]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asAlice.write.withdraw([ETH]), pennyPost, "PennyPostNothingToWithdraw", [alice.account.address, ETH],
      );
    });

    describe("when the author is a contract that re-enters on receipt", () => {
      it("pays once; the re-entrant call fails with ReentrancyGuardReentrantCall", async () => {
        const { pennyPost, author } = await loadFixture(reentrantAuthor);
        const { share } = split(TIP);
        await viem.assertions.balancesHaveChanged(author.write.withdraw(), [
          { address: author.address, amount: share },
          { address: pennyPost.address, amount: -share },
        ]);
        assert.equal(await author.read.reentered(), true);
        const reason = decodeErrorResult({ abi: pennyPost.abi, data: await author.read.reentryError() });
        assert.equal(reason.errorName, "ReentrancyGuardReentrantCall");
        assert.equal(await pennyPost.read.owed([author.address, ETH]), 0n);
      });
    });

    describe("when the author is a contract that refuses ether", () => {
      it("reverts with PennyPostEthTransferFailed and keeps the balance owed", async () => {
        const { pennyPost, author } = await loadFixture(revertingAuthor);
        const { share } = split(TIP);
        await viem.assertions.revertWithCustomErrorWithArgs(
          author.write.withdraw(), pennyPost, "PennyPostEthTransferFailed", [author.address, share],
        );
        assert.equal(await pennyPost.read.owed([author.address, ETH]), share);
      });

      it("blocks no one else: other authors withdraw as usual", async () => {
        const { pennyPost, author, asAlice, alice } = await loadFixture(revertingAuthor);
        await viem.assertions.revertWithCustomError(author.write.withdraw(), pennyPost, "PennyPostEthTransferFailed");
        await viem.assertions.balancesHaveChanged(asAlice.write.withdraw([ETH]), [
          { address: alice.account.address, amount: split(TIP).share },
        ]);
      });

      it("can still be paid out to another address with withdrawTo", async () => {
        const { pennyPost, author, bob } = await loadFixture(revertingAuthor);
        const { share } = split(TIP);
        await viem.assertions.balancesHaveChanged(author.write.withdrawTo([bob.account.address]), [
          { address: bob.account.address, amount: share },
        ]);
        assert.equal(await pennyPost.read.owed([author.address, ETH]), 0n);
      });
    });
  });

  describe("withdrawTo", () => {
    it("pays another address and emits Withdrawn naming it", async () => {
      const { pennyPost, asAlice, alice, bob } = await loadFixture(tipped);
      const { share } = split(TIP);
      await viem.assertions.emitWithArgs(asAlice.write.withdrawTo([ETH, bob.account.address]), pennyPost, "Withdrawn", [
        alice.account.address, ETH, bob.account.address, share,
      ]);
    });

    it("reverts with PennyPostZeroAddress for address(0)", async () => {
      const { pennyPost, asAlice } = await loadFixture(tipped);
      await viem.assertions.revertWithCustomError(asAlice.write.withdrawTo([ETH, ETH]), pennyPost, "PennyPostZeroAddress");
    });
  });

  describe("withdrawFees", () => {
    it("pays the treasury every fee accrued in ETH (post fees and tip fees)", async () => {
      const { pennyPost, owner, bob } = await loadFixture(tipped);
      await pennyPost.write.setTreasury([bob.account.address]);
      const fees = POST_FEE + split(TIP).fee;
      assert.equal(await pennyPost.read.feesOwed([ETH]), fees);
      await viem.assertions.balancesHaveChanged(pennyPost.write.withdrawFees([ETH], { account: owner.account }), [
        { address: bob.account.address, amount: fees },
      ]);
      assert.equal(await pennyPost.read.feesOwed([ETH]), 0n);
    });

    it("can be called by the treasury itself, and emits FeesWithdrawn", async () => {
      const { pennyPost, token, bob } = await loadFixture(tipped);
      await pennyPost.write.setTreasury([bob.account.address]);
      const asBob = await viem.getContractAt("PennyPost", pennyPost.address, { client: { wallet: bob } });
      const before = await token.read.balanceOf([bob.account.address]);
      await viem.assertions.emitWithArgs(asBob.write.withdrawFees([token.address]), pennyPost, "FeesWithdrawn", [
        bob.account.address, token.address, split(TIP).fee,
      ]);
      assert.equal(await token.read.balanceOf([bob.account.address]), before + split(TIP).fee);
    });

    it("reverts with PennyPostNotTreasury for anyone else", async () => {
      const { pennyPost, asStranger, stranger } = await loadFixture(tipped);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asStranger.write.withdrawFees([ETH]), pennyPost, "PennyPostNotTreasury", [stranger.account.address],
      );
    });

    it("reverts with PennyPostNothingToWithdraw when no fee has accrued", async () => {
      const { pennyPost, owner } = await loadFixture(deployPennyPost);
      await pennyPost.write.withdrawFees([ETH]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        pennyPost.write.withdrawFees([ETH]), pennyPost, "PennyPostNothingToWithdraw", [owner.account.address, ETH],
      );
    });
  });
});
