import { network } from "hardhat";
import { parseEther } from "viem";

import { DEFAULT_POST_FEE, DEFAULT_TIP_FEE_BPS } from "../../ignition/modules/PennyPost.ts";

/** One embedded chain for the whole contract suite; fixtures snapshot and revert it. */
export const connection = await network.create();
export const { viem, networkHelpers } = connection;

export const ETH = "0x0000000000000000000000000000000000000000" as const;
export const POST_FEE = DEFAULT_POST_FEE;
export const TIP_FEE_BPS = DEFAULT_TIP_FEE_BPS;

/** fee + share == amount, fee rounded down: the split the contract must reproduce. */
export function split(amount: bigint, bps: bigint = TIP_FEE_BPS) {
  const fee = (amount * bps) / 10_000n;
  return { fee, share: amount - fee };
}

/**
 * Owner (also the treasury), two authors, a tipper and a stranger; the protocol, the test token
 * accepted and funded, and one post by `alice`.
 */
export async function deployPennyPost() {
  const [owner, alice, bob, tipper, stranger] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const pennyPost = await viem.deployContract("PennyPost", [
    owner.account.address,
    owner.account.address,
    POST_FEE,
    TIP_FEE_BPS,
  ]);
  const token = await viem.deployContract("PennyTestToken");
  await pennyPost.write.setTokenAccepted([token.address, true]);
  for (const wallet of [alice, bob, tipper]) {
    await token.write.faucet([wallet.account.address, parseEther("1000")]);
  }
  const asAlice = await viem.getContractAt("PennyPost", pennyPost.address, { client: { wallet: alice } });
  const asTipper = await viem.getContractAt("PennyPost", pennyPost.address, { client: { wallet: tipper } });
  const asStranger = await viem.getContractAt("PennyPost", pennyPost.address, { client: { wallet: stranger } });
  const tokenAsTipper = await viem.getContractAt("PennyTestToken", token.address, { client: { wallet: tipper } });
  await asAlice.write.post([0n, "hello, paid world"], { value: POST_FEE });
  return {
    owner, alice, bob, tipper, stranger, publicClient,
    pennyPost, token, asAlice, asTipper, asStranger, tokenAsTipper,
  };
}

/** A 280-byte ASCII post: the size the gas figures in the README are quoted for. */
export const TEXT_280 = "x".repeat(280);
