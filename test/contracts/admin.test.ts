import assert from "node:assert/strict";

import { describe, it } from "mocha";

import { ETH, POST_FEE, deployPennyPost, networkHelpers, viem } from "./fixtures.ts";

const { loadFixture } = networkHelpers;

describe("PennyPost", () => {
  describe("admin", () => {
    describe("when called by someone other than the owner", () => {
      type AsStranger = Awaited<ReturnType<typeof deployPennyPost>>["asStranger"];
      const calls: Record<string, (c: AsStranger) => Promise<unknown>> = {
        setPostFee: (c) => c.write.setPostFee([1n]),
        setTipFeeBps: (c) => c.write.setTipFeeBps([1n]),
        setTreasury: (c) => c.write.setTreasury([c.address]),
        setTokenAccepted: (c) => c.write.setTokenAccepted([c.address, true]),
        pause: (c) => c.write.pause(),
        unpause: (c) => c.write.unpause(),
        transferOwnership: (c) => c.write.transferOwnership([c.address]),
      };
      for (const [name, call] of Object.entries(calls)) {
        it(`${name} reverts with OwnableUnauthorizedAccount`, async () => {
          const { pennyPost, asStranger, stranger } = await loadFixture(deployPennyPost);
          await viem.assertions.revertWithCustomErrorWithArgs(
            call(asStranger) as Promise<`0x${string}`>, pennyPost, "OwnableUnauthorizedAccount", [stranger.account.address],
          );
        });
      }
    });

    describe("setPostFee", () => {
      it("sets the fee later posts pay and emits PostFeeSet", async () => {
        const { pennyPost, asAlice } = await loadFixture(deployPennyPost);
        await viem.assertions.emitWithArgs(pennyPost.write.setPostFee([5n]), pennyPost, "PostFeeSet", [POST_FEE, 5n]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          asAlice.write.post([0n, "old fee"], { value: POST_FEE }), pennyPost, "PennyPostWrongFee", [POST_FEE, 5n],
        );
        await asAlice.write.post([0n, "new fee"], { value: 5n });
      });

      it("accepts MAX_POST_FEE and reverts with PennyPostPostFeeTooHigh above it", async () => {
        const { pennyPost } = await loadFixture(deployPennyPost);
        const max = await pennyPost.read.MAX_POST_FEE();
        await pennyPost.write.setPostFee([max]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          pennyPost.write.setPostFee([max + 1n]), pennyPost, "PennyPostPostFeeTooHigh", [max + 1n, max],
        );
        assert.equal(await pennyPost.read.postFee(), max);
      });
    });

    describe("setTipFeeBps", () => {
      it("sets the split of later tips and emits TipFeeSet", async () => {
        const { pennyPost, asTipper, alice } = await loadFixture(deployPennyPost);
        await viem.assertions.emitWithArgs(pennyPost.write.setTipFeeBps([1000n]), pennyPost, "TipFeeSet", [250n, 1000n]);
        await asTipper.write.tip([1n], { value: 1_000n });
        assert.equal(await pennyPost.read.owed([alice.account.address, ETH]), 900n);
      });

      it("reverts with PennyPostTipFeeTooHigh above MAX_TIP_FEE_BPS", async () => {
        const { pennyPost } = await loadFixture(deployPennyPost);
        await viem.assertions.revertWithCustomErrorWithArgs(
          pennyPost.write.setTipFeeBps([1001n]), pennyPost, "PennyPostTipFeeTooHigh", [1001n, 1000n],
        );
        assert.equal(await pennyPost.read.tipFeeBps(), 250n);
      });
    });

    describe("setTreasury", () => {
      it("moves the fees to the new treasury and emits TreasurySet", async () => {
        const { pennyPost, owner, bob } = await loadFixture(deployPennyPost);
        await viem.assertions.emitWithArgs(pennyPost.write.setTreasury([bob.account.address]), pennyPost, "TreasurySet", [
          owner.account.address, bob.account.address,
        ]);
        assert.equal((await pennyPost.read.treasury()).toLowerCase(), bob.account.address);
      });

      it("reverts with PennyPostZeroAddress for address(0)", async () => {
        const { pennyPost } = await loadFixture(deployPennyPost);
        await viem.assertions.revertWithCustomError(pennyPost.write.setTreasury([ETH]), pennyPost, "PennyPostZeroAddress");
      });
    });

    describe("setTokenAccepted", () => {
      it("lists and delists a token and emits TokenAcceptanceSet", async () => {
        const { pennyPost, token } = await loadFixture(deployPennyPost);
        assert.equal(await pennyPost.read.isTokenAccepted([token.address]), true);
        await viem.assertions.emitWithArgs(pennyPost.write.setTokenAccepted([token.address, false]), pennyPost, "TokenAcceptanceSet", [
          token.address, false,
        ]);
        assert.equal(await pennyPost.read.isTokenAccepted([token.address]), false);
      });

      it("reverts with PennyPostZeroAddress for address(0), which stands for ether", async () => {
        const { pennyPost } = await loadFixture(deployPennyPost);
        await viem.assertions.revertWithCustomError(pennyPost.write.setTokenAccepted([ETH, true]), pennyPost, "PennyPostZeroAddress");
      });
    });

    describe("pause and unpause", () => {
      it("emit Paused and Unpaused and toggle paused()", async () => {
        const { pennyPost, owner } = await loadFixture(deployPennyPost);
        await viem.assertions.emitWithArgs(pennyPost.write.pause(), pennyPost, "Paused", [owner.account.address]);
        assert.equal(await pennyPost.read.paused(), true);
        await viem.assertions.emitWithArgs(pennyPost.write.unpause(), pennyPost, "Unpaused", [owner.account.address]);
        assert.equal(await pennyPost.read.paused(), false);
      });

      it("revert with EnforcedPause / ExpectedPause when repeated", async () => {
        const { pennyPost } = await loadFixture(deployPennyPost);
        await viem.assertions.revertWithCustomError(pennyPost.write.unpause(), pennyPost, "ExpectedPause");
        await pennyPost.write.pause();
        await viem.assertions.revertWithCustomError(pennyPost.write.pause(), pennyPost, "EnforcedPause");
      });
    });

    describe("two-step ownership transfer", () => {
      it("hands over only when the new owner accepts", async () => {
        const { pennyPost, owner, bob } = await loadFixture(deployPennyPost);
        await viem.assertions.emitWithArgs(pennyPost.write.transferOwnership([bob.account.address]), pennyPost, "OwnershipTransferStarted", [
          owner.account.address, bob.account.address,
        ]);
        assert.equal((await pennyPost.read.owner()).toLowerCase(), owner.account.address);
        assert.equal((await pennyPost.read.pendingOwner()).toLowerCase(), bob.account.address);
        const asBob = await viem.getContractAt("PennyPost", pennyPost.address, { client: { wallet: bob } });
        await asBob.write.acceptOwnership();
        assert.equal((await pennyPost.read.owner()).toLowerCase(), bob.account.address);
        await viem.assertions.revertWithCustomError(pennyPost.write.pause(), pennyPost, "OwnableUnauthorizedAccount");
      });

      it("reverts with OwnableUnauthorizedAccount when someone else tries to accept", async () => {
        const { pennyPost, asStranger, bob, stranger } = await loadFixture(deployPennyPost);
        await pennyPost.write.transferOwnership([bob.account.address]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          asStranger.write.acceptOwnership(), pennyPost, "OwnableUnauthorizedAccount", [stranger.account.address],
        );
      });
    });
  });

  describe("PennyTestToken", () => {
    it("is plainly named as a worthless test token and caps each faucet call", async () => {
      const { token, stranger } = await loadFixture(deployPennyPost);
      assert.match(await token.read.name(), /Test Token \(no value\)/);
      const limit = await token.read.FAUCET_LIMIT();
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.faucet([stranger.account.address, limit + 1n]), token, "PennyTestTokenFaucetLimit", [limit + 1n, limit],
      );
    });
  });
});
