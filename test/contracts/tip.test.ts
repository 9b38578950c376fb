import assert from "node:assert/strict";

import { describe, it } from "mocha";
import { maxUint256, parseEther } from "viem";

import { ETH, POST_FEE, deployPennyPost, networkHelpers, split, viem } from "./fixtures.ts";

const { loadFixture } = networkHelpers;

/** The fixture plus the test doubles for non-standard tokens, accepted and funded for the tipper. */
async function withOddTokens() {
  const base = await deployPennyPost();
  const { pennyPost, tipper } = base;
  const noBool = await viem.deployContract("NoBoolToken");
  const falseToken = await viem.deployContract("FalseReturnToken");
  const feeOnTransfer = await viem.deployContract("FeeOnTransferToken");
  const client = { client: { wallet: tipper } };
  const approvals = [
    await viem.getContractAt("NoBoolToken", noBool.address, client),
    await viem.getContractAt("FalseReturnToken", falseToken.address, client),
    await viem.getContractAt("FeeOnTransferToken", feeOnTransfer.address, client),
  ] as const;
  const funds = parseEther("100");
  await noBool.write.mint([tipper.account.address, funds]);
  await falseToken.write.mint([tipper.account.address, funds]);
  await feeOnTransfer.write.mint([tipper.account.address, funds]);
  for (const token of [noBool, falseToken, feeOnTransfer]) await pennyPost.write.setTokenAccepted([token.address, true]);
  await approvals[0].write.approve([pennyPost.address, maxUint256]);
  await approvals[1].write.approve([pennyPost.address, maxUint256]);
  await approvals[2].write.approve([pennyPost.address, maxUint256]);
  return { ...base, noBool, falseToken, feeOnTransfer };
}

describe("PennyPost", () => {
  describe("tip (ETH)", () => {
    it("credits the author the tip minus the fee and the treasury the fee", async () => {
      const { pennyPost, asTipper, alice } = await loadFixture(deployPennyPost);
      const amount = parseEther("0.01");
      const { fee, share } = split(amount);
      const feesBefore = await pennyPost.read.feesOwed([ETH]);
      await viem.assertions.balancesHaveChanged(asTipper.write.tip([1n], { value: amount }), [
        { address: pennyPost.address, amount },
      ]);
      assert.equal(await pennyPost.read.owed([alice.account.address, ETH]), share);
      assert.equal(await pennyPost.read.feesOwed([ETH]), feesBefore + fee);
    });

    it("emits Tipped with post, tipper, author, asset, amount and fee", async () => {
      const { pennyPost, asTipper, alice, tipper } = await loadFixture(deployPennyPost);
      const amount = 12_345n;
      await viem.assertions.emitWithArgs(asTipper.write.tip([1n], { value: amount }), pennyPost, "Tipped", [
        1n, tipper.account.address, alice.account.address, ETH, amount, split(amount).fee,
      ]);
    });

    it("gives the whole of a tip too small to carry a fee to the author", async () => {
      const { pennyPost, asTipper, alice } = await loadFixture(deployPennyPost);
      await asTipper.write.tip([1n], { value: 39n }); // 39 * 250 / 10_000 = 0.975 -> 0
      assert.equal(await pennyPost.read.owed([alice.account.address, ETH]), 39n);
    });

    it("reverts with PennyPostZeroTip for a zero tip", async () => {
      const { pennyPost, asTipper } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomError(asTipper.write.tip([1n], { value: 0n }), pennyPost, "PennyPostZeroTip");
    });

    it("reverts with PennyPostUnknownPost for post 0 and for a post that does not exist yet", async () => {
      const { pennyPost, asTipper } = await loadFixture(deployPennyPost);
      for (const id of [0n, 2n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          asTipper.write.tip([id], { value: 1n }), pennyPost, "PennyPostUnknownPost", [id],
        );
      }
    });

    it("reverts with EnforcedPause while paused and credits no one", async () => {
      const { pennyPost, asTipper, alice } = await loadFixture(deployPennyPost);
      await pennyPost.write.pause();
      await viem.assertions.revertWithCustomError(asTipper.write.tip([1n], { value: 100n }), pennyPost, "EnforcedPause");
      assert.equal(await pennyPost.read.owed([alice.account.address, ETH]), 0n);
    });
  });

  describe("tipToken", () => {
    it("pulls the approved tokens and splits them between author and treasury", async () => {
      const { pennyPost, asTipper, tokenAsTipper, token, alice, tipper } = await loadFixture(deployPennyPost);
      const amount = parseEther("5");
      const { fee, share } = split(amount);
      await tokenAsTipper.write.approve([pennyPost.address, amount]);
      await viem.assertions.emitWithArgs(asTipper.write.tipToken([1n, token.address, amount]), pennyPost, "Tipped", [
        1n, tipper.account.address, alice.account.address, token.address, amount, fee,
      ]);
      assert.equal(await pennyPost.read.owed([alice.account.address, token.address]), share);
      assert.equal(await pennyPost.read.feesOwed([token.address]), fee);
      assert.equal(await token.read.balanceOf([pennyPost.address]), amount);
    });

    it("reverts with PennyPostTokenNotAccepted for a token not on the list, and for address(0)", async () => {
      const { pennyPost, asTipper } = await loadFixture(withOddTokens);
      const other = await viem.deployContract("PennyTestToken");
      for (const address of [other.address, ETH]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          asTipper.write.tipToken([1n, address, 1n]), pennyPost, "PennyPostTokenNotAccepted", [address],
        );
      }
    });

    it("reverts with PennyPostZeroTip for a zero amount", async () => {
      const { pennyPost, asTipper, token } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomError(asTipper.write.tipToken([1n, token.address, 0n]), pennyPost, "PennyPostZeroTip");
    });

    it("reverts with PennyPostUnknownPost for a post that does not exist", async () => {
      const { pennyPost, asTipper, token } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asTipper.write.tipToken([9n, token.address, 1n]), pennyPost, "PennyPostUnknownPost", [9n],
      );
    });

    it("reverts with the token's ERC20InsufficientAllowance without an approval", async () => {
      const { asTipper, token } = await loadFixture(deployPennyPost);
      await viem.assertions.revertWithCustomError(asTipper.write.tipToken([1n, token.address, 1n]), token, "ERC20InsufficientAllowance");
    });

    it("reverts with EnforcedPause while paused", async () => {
      const { pennyPost, asTipper, token } = await loadFixture(deployPennyPost);
      await pennyPost.write.pause();
      await viem.assertions.revertWithCustomError(asTipper.write.tipToken([1n, token.address, 1n]), pennyPost, "EnforcedPause");
    });

    it("works with a token whose transfers return no bool", async () => {
      const { pennyPost, asTipper, noBool, alice } = await loadFixture(withOddTokens);
      await asTipper.write.tipToken([1n, noBool.address, 1_000n]);
      assert.equal(await pennyPost.read.owed([alice.account.address, noBool.address]), split(1_000n).share);
      assert.equal(await noBool.read.balanceOf([pennyPost.address]), 1_000n);
    });

    it("reverts with SafeERC20FailedOperation when the token returns false, and credits no one", async () => {
      const { pennyPost, asTipper, falseToken, alice } = await loadFixture(withOddTokens);
      await falseToken.write.setFailTransfers([true]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asTipper.write.tipToken([1n, falseToken.address, 1_000n]), pennyPost, "SafeERC20FailedOperation", [falseToken.address],
      );
      assert.equal(await pennyPost.read.owed([alice.account.address, falseToken.address]), 0n);
    });

    it("rejects a fee-on-transfer token with PennyPostTokenTransferMismatch", async () => {
      const { pennyPost, asTipper, feeOnTransfer } = await loadFixture(withOddTokens);
      await viem.assertions.revertWithCustomErrorWithArgs(
        asTipper.write.tipToken([1n, feeOnTransfer.address, 1_000n]),
        pennyPost, "PennyPostTokenTransferMismatch", [feeOnTransfer.address, 1_000n, 990n],
      );
      assert.equal(await feeOnTransfer.read.balanceOf([pennyPost.address]), 0n);
    });

    it("splits the largest possible amount, type(uint256).max, exactly", async () => {
      const { pennyPost, asTipper, noBool, alice, tipper } = await loadFixture(withOddTokens);
      const rich = maxUint256 - parseEther("100"); // the tipper already holds 100
      await noBool.write.mint([tipper.account.address, rich]);
      await asTipper.write.tipToken([1n, noBool.address, maxUint256]);
      const { fee, share } = split(maxUint256);
      assert.equal(await pennyPost.read.owed([alice.account.address, noBool.address]), share);
      assert.equal(await pennyPost.read.feesOwed([noBool.address]), fee);
      assert.equal(share + fee, maxUint256);
    });
  });

  describe("tipTokenWithPermit", () => {
    async function signPermit(f: Awaited<ReturnType<typeof deployPennyPost>>, amount: bigint, deadline: bigint) {
      const { token, tipper, pennyPost } = f;
      const nonce = await token.read.nonces([tipper.account.address]);
      const signature = await tipper.signTypedData({
        domain: { name: await token.read.name(), version: "1", chainId: await f.publicClient.getChainId(), verifyingContract: token.address },
        types: { Permit: [
          { name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" },
        ] },
        primaryType: "Permit",
        message: { owner: tipper.account.address, spender: pennyPost.address, value: amount, nonce, deadline },
      });
      const r = `0x${signature.slice(2, 66)}` as const;
      const s = `0x${signature.slice(66, 130)}` as const;
      const v = Number.parseInt(signature.slice(130, 132), 16);
      return { v, r, s };
    }

    it("approves and tips in one transaction", async () => {
      const f = await loadFixture(deployPennyPost);
      const amount = parseEther("2");
      const deadline = 2n ** 40n;
      const { v, r, s } = await signPermit(f, amount, deadline);
      await viem.assertions.emit(f.asTipper.write.tipTokenWithPermit([1n, f.token.address, amount, deadline, v, r, s]), f.pennyPost, "Tipped");
      assert.equal(await f.pennyPost.read.owed([f.alice.account.address, f.token.address]), split(amount).share);
    });

    it("still tips when someone else submitted the permit first", async () => {
      const f = await loadFixture(deployPennyPost);
      const amount = parseEther("2");
      const deadline = 2n ** 40n;
      const { v, r, s } = await signPermit(f, amount, deadline);
      const tokenAsStranger = await viem.getContractAt("PennyTestToken", f.token.address, { client: { wallet: f.stranger } });
      await tokenAsStranger.write.permit([f.tipper.account.address, f.pennyPost.address, amount, deadline, v, r, s]);
      await viem.assertions.emit(f.asTipper.write.tipTokenWithPermit([1n, f.token.address, amount, deadline, v, r, s]), f.pennyPost, "Tipped");
      assert.equal(await f.pennyPost.read.owed([f.alice.account.address, f.token.address]), split(amount).share);
    });

    it("reverts with ERC20InsufficientAllowance when the permit is bad and there is no allowance", async () => {
      const f = await loadFixture(deployPennyPost);
      const { v, r, s } = await signPermit(f, 1n, 2n ** 40n);
      await viem.assertions.revertWithCustomError(
        f.asTipper.write.tipTokenWithPermit([1n, f.token.address, 5n, 2n ** 40n, v, r, s]), f.token, "ERC20InsufficientAllowance",
      );
    });

    it("reverts with PennyPostTokenNotAccepted before touching the permit", async () => {
      const f = await loadFixture(deployPennyPost);
      const zero = `0x${"00".repeat(32)}` as const;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.asTipper.write.tipTokenWithPermit([1n, ETH, 1n, 0n, 0, zero, zero]), f.pennyPost, "PennyPostTokenNotAccepted", [ETH],
      );
    });
  });

  it("keeps the two tip paths consistent: a post fee and a tip land in the same fee balance", async () => {
    const { pennyPost, asTipper, asAlice } = await loadFixture(deployPennyPost);
    const before = await pennyPost.read.feesOwed([ETH]);
    await asAlice.write.post([0n, "another"], { value: POST_FEE });
    await asTipper.write.tip([2n], { value: 10_000n });
    assert.equal(await pennyPost.read.feesOwed([ETH]), before + POST_FEE + split(10_000n).fee);
  });
});
