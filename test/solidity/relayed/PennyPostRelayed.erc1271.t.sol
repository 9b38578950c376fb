// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";
import {GasBurnerWallet1271} from "../../../contracts/mocks/GasBurnerWallet1271.sol";
import {OwnedWallet1271} from "../../../contracts/mocks/OwnedWallet1271.sol";
import {WrongMagicWallet1271} from "../../../contracts/mocks/WrongMagicWallet1271.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice Contract wallets (ERC-1271): a valid signature executes, a wrong one is skipped, and a
/// relayer that starves the wallet's check of gas cannot make an item be skipped with its nonce left
/// usable-but-unexecuted: the whole call reverts, or the item executes.
contract PennyPostRelayedErc1271Test is RelayedFixture {
    uint256 internal walletOwnerPk = 0x0A7E11E7;
    /// @dev Heavy enough that the 1/64 of the gas left after a starved check (EIP-150) could still finish
    /// a batch: without the guard, a starved item would be skipped and the call would succeed.
    uint256 internal constant HEAVY_CHECK_GAS = 2_000_000;
    OwnedWallet1271 internal wallet;
    /// @dev Same owner, but its check costs over HEAVY_CHECK_GAS (a multisig, say).
    OwnedWallet1271 internal heavyWallet;

    function setUp() public virtual override {
        super.setUp();
        wallet = new OwnedWallet1271(vm.addr(walletOwnerPk), 0);
        heavyWallet = new OwnedWallet1271(vm.addr(walletOwnerPk), HEAVY_CHECK_GAS);
        vm.label(address(wallet), "wallet");
        vm.label(address(heavyWallet), "heavyWallet");
        _depositEth(pennyPost, address(wallet), 1 ether);
        _depositEth(pennyPost, address(heavyWallet), 1 ether);
    }

    function _walletPost(uint256 signingKey, uint256 nonce) internal returns (IPennyPostRelayed.SignedPost memory) {
        return _signPost(pennyPost, signingKey, _unsignedPost(address(wallet), 0, "from a smart wallet", nonce));
    }

    // ---------------------------------------------------------------- valid and invalid

    /// @notice The wallet's owner key signs: the wallet's post and tip execute from the wallet's deposit.
    function test_walletSignature_executes() public {
        IPennyPostRelayed.SignedPost memory p = _walletPost(walletOwnerPk, 0);
        IPennyPostRelayed.SignedTip memory t = _signTip(
            pennyPost, walletOwnerPk, _unsignedTip(address(wallet), alicePost, alice, ETH, 0.5 ether, 1)
        );
        vm.expectEmit();
        emit IPennyPostRelayed.BatchSubmitted(relayer, 1, 1, 0, POST_FEE);
        _submit(_posts(p), _tips(t));
        assertEq(pennyPost.nonces(address(wallet)), 2, "both executed");
        assertEq(pennyPost.depositOf(address(wallet), ETH), 0.5 ether - POST_FEE, "wallet deposit paid");
        assertEq(pennyPost.owed(alice, ETH), 0.4875 ether, "alice's share");
    }

    /// @notice Any other key (fuzzed), or the owner's high-s twin, is refused by the wallet: skipped
    /// with PennyPostBadSignature, nothing moves.
    function testFuzz_wrongWalletSignature_isSkipped(uint256 keySeed) public {
        uint256 pk = _key(keySeed);
        vm.assume(pk != walletOwnerPk);
        IPennyPostRelayed.SignedPost memory p = _walletPost(pk, 0);
        Ledger memory before = _ledger(pennyPost, address(wallet), relayer);
        _expectSkipped(address(wallet), 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_posts(p), _noTips());

        p = _walletPost(walletOwnerPk, 0);
        p.signature = _malleate(p.signature);
        _expectSkipped(address(wallet), 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_posts(p), _noTips());
        _assertLedger(_ledger(pennyPost, address(wallet), relayer), before, "wrong wallet signature");
    }

    /// @notice A wallet that answers with a value other than the magic value is a bad signature.
    function test_wrongMagicValue_isSkipped() public {
        WrongMagicWallet1271 liar = new WrongMagicWallet1271();
        _depositEth(pennyPost, address(liar), 1 ether);
        IPennyPostRelayed.SignedPost memory p =
            _signPost(pennyPost, walletOwnerPk, _unsignedPost(address(liar), 0, "liar", 0));
        _expectSkipped(address(liar), 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_posts(p), _noTips());
        assertEq(pennyPost.depositOf(address(liar), ETH), 1 ether, "deposit untouched");
        assertEq(pennyPost.nonces(address(liar)), 0, "nonce untouched");
    }

    /// @notice A wallet can authorize a session key too: the key's signature executes for the wallet
    /// without asking the wallet.
    function test_walletSessionKey_executes() public {
        uint256 keyPk = 0x5E55;
        vm.prank(vm.addr(walletOwnerPk));
        wallet.execute(
            address(pennyPost),
            0,
            abi.encodeCall(pennyPost.authorizeSession, (vm.addr(keyPk), ETH, POST_FEE, block.timestamp + 1 days))
        );
        _submit(_posts(_walletPost(keyPk, 0)), _noTips());
        assertEq(pennyPost.nonces(address(wallet)), 1, "executed through the session key");
        (, uint256 spent,) = pennyPost.session(address(wallet), vm.addr(keyPk), ETH);
        assertEq(spent, POST_FEE, "session charged");
    }

    // ---------------------------------------------------------------- gas griefing

    /// @notice For every gas limit g in a range around what the wallet's check needs, a relayer
    /// calling `submitBatch{gas: g}` either executes the wallet's item (nonce moved, fee paid) or
    /// reverts as a whole (PennyPostInsufficientGas or out of gas) with nothing moved. Never: the call
    /// succeeds and the item is skipped. A cheap wallet (one ecrecover) leaves too little gas behind
    /// for the guard to speak, so starving it ends out of gas; both outcomes must be seen.
    function test_gasGriefing_cheapWallet_allOrNothing() public {
        uint256[3] memory seen = _sweep(wallet, 30_000, 130_000, 250);
        assertTrue(seen[0] != 0, "some gas limits are enough");
        assertTrue(seen[2] != 0, "some gas limits run out of gas");
    }

    /// @notice As above with a wallet whose check costs 2M gas: the 1/64 left after its starved call
    /// would be enough to finish the batch, so only the PennyPostInsufficientGas guard stands between
    /// the relayer and a skipped item; it must fire for some gas limits.
    function test_gasGriefing_heavyWallet_guardFires() public {
        uint256[3] memory seen = _sweep(heavyWallet, 1_950_000, 2_250_000, 2_000);
        assertTrue(seen[0] != 0, "some gas limits are enough");
        assertTrue(seen[1] != 0, "the PennyPostInsufficientGas guard fires for some gas limits");
    }

    /// @notice The same property, fuzzed over the gas limit and the wallet.
    /// hardhat-config: fuzz.runs = 300
    function testFuzz_gasGriefing_allOrNothing(uint256 g, bool heavy) public {
        g = heavy ? bound(g, 1_900_000, 2_400_000) : bound(g, 21_000, 150_000);
        _tryStarved(new IPennyPostRelayed.SignedPost[](2), heavy ? heavyWallet : wallet, g);
    }

    /// @dev Counts [executed, reverted by the guard, reverted out of gas] over gas limits from..to.
    function _sweep(OwnedWallet1271 w, uint256 from, uint256 to, uint256 step)
        internal
        returns (uint256[3] memory seen)
    {
        IPennyPostRelayed.SignedPost[] memory posts = new IPennyPostRelayed.SignedPost[](2);
        for (uint256 g = from; g <= to; g += step) {
            (bool ok, bytes memory revertData) = _tryStarved(posts, w, g);
            if (ok) ++seen[0];
            else if (revertData.length != 0) ++seen[1];
            else ++seen[2];
        }
    }

    /// @dev Submits [an EOA's post, the wallet's post] with gas `g`, then checks the all-or-nothing rule.
    function _tryStarved(IPennyPostRelayed.SignedPost[] memory posts, OwnedWallet1271 w, uint256 g)
        internal
        returns (bool ok, bytes memory revertData)
    {
        posts[0] = _signedPost(bobPk, 0, "bob", pennyPost.nonces(bobSigner));
        posts[1] = _signPost(
            pennyPost, walletOwnerPk, _unsignedPost(address(w), 0, "from a smart wallet", pennyPost.nonces(address(w)))
        );
        if (pennyPost.depositOf(bobSigner, ETH) < POST_FEE) _depositEth(pennyPost, bobSigner, 1 ether);
        Ledger memory walletBefore = _ledger(pennyPost, address(w), relayer);
        Ledger memory bobBefore = _ledger(pennyPost, bobSigner, relayer);

        vm.prank(relayer);
        (ok, revertData) = address(pennyPost).call{gas: g}(abi.encodeCall(pennyPost.submitBatch, (posts, _noTips())));

        string memory at = string.concat(" at gas ", Strings.toString(g));
        Ledger memory walletAfter = _ledger(pennyPost, address(w), relayer);
        if (ok) {
            assertEq(walletAfter.nonce, walletBefore.nonce + 1, string.concat("wallet item executed", at));
            assertEq(walletAfter.depositEth, walletBefore.depositEth - POST_FEE, string.concat("wallet paid", at));
            assertEq(walletAfter.postCount, walletBefore.postCount + 2, string.concat("both posted", at));
            assertEq(walletAfter.relayerOwed, walletBefore.relayerOwed + 2 * POST_FEE, string.concat("relayer", at));
        } else {
            assertTrue(
                revertData.length == 0
                    || (revertData.length == 4
                        && bytes4(revertData) == IPennyPostRelayed.PennyPostInsufficientGas.selector),
                string.concat("reverts with PennyPostInsufficientGas or out of gas", at)
            );
            _assertLedger(walletAfter, walletBefore, string.concat("nothing moved (wallet)", at));
            _assertLedger(_ledger(pennyPost, bobSigner, relayer), bobBefore, string.concat("nothing moved (bob)", at));
        }
    }

    /// @notice The same all-or-nothing rule for `settleVouchers` with the heavy wallet as the tipper:
    /// the voucher settles (settled amount and deposit move) or the call reverts with nothing moved.
    /// hardhat-config: fuzz.runs = 300
    function testFuzz_gasGriefing_voucherAllOrNothing(uint256 g) public {
        g = bound(g, 1_900_000, 2_400_000);
        IPennyPostRelayed.VoucherTip[] memory tips = new IPennyPostRelayed.VoucherTip[](1);
        tips[0] = IPennyPostRelayed.VoucherTip(alicePost, alice, 0.1 ether);
        bytes32 h = keccak256(abi.encode(bytes32(0), alicePost, alice, uint256(0.1 ether)));
        IPennyPostRelayed.Voucher[] memory list = new IPennyPostRelayed.Voucher[](1);
        list[0] = IPennyPostRelayed.Voucher(address(heavyWallet), ETH, 0.1 ether, h, "", tips);
        list[0].signature = _sign(walletOwnerPk, _voucherDigest(pennyPost, list[0]));

        vm.prank(relayer);
        (bool ok, bytes memory revertData) =
            address(pennyPost).call{gas: g}(abi.encodeCall(pennyPost.settleVouchers, (list)));
        (uint256 settled,) = pennyPost.voucherState(address(heavyWallet), ETH);
        if (ok) {
            assertEq(settled, 0.1 ether, "the voucher settled");
            assertEq(pennyPost.depositOf(address(heavyWallet), ETH), 0.9 ether, "the wallet paid");
        } else {
            assertTrue(
                revertData.length == 0
                    || (revertData.length == 4
                        && bytes4(revertData) == IPennyPostRelayed.PennyPostInsufficientGas.selector),
                "reverts with PennyPostInsufficientGas or out of gas"
            );
            assertEq(settled, 0, "nothing settled");
            assertEq(pennyPost.depositOf(address(heavyWallet), ETH), 1 ether, "nothing paid");
        }
    }

    /// @notice A wallet that burns all the gas it is given makes any batch that carries its item revert
    /// with PennyPostInsufficientGas, however much gas the relayer gives: no skip, nothing moves. (A
    /// relayer must simulate and drop such items; see the report.)
    function testFuzz_gasBurnerWallet_revertsTheBatch(uint256 g) public {
        g = bound(g, 100_000, 3_000_000);
        GasBurnerWallet1271 burner = new GasBurnerWallet1271();
        _depositEth(pennyPost, address(burner), 1 ether);
        IPennyPostRelayed.SignedPost[] memory posts = new IPennyPostRelayed.SignedPost[](2);
        posts[0] = _signedPost(bobPk, 0, "bob", 0);
        posts[1] = _signPost(pennyPost, walletOwnerPk, _unsignedPost(address(burner), 0, "burner", 0));
        _depositEth(pennyPost, bobSigner, 1 ether);

        vm.prank(relayer);
        (bool ok, bytes memory revertData) =
            address(pennyPost).call{gas: g}(abi.encodeCall(pennyPost.submitBatch, (posts, _noTips())));
        assertEq(ok, false, "the batch reverts");
        if (revertData.length != 0) {
            assertEq(
                uint32(bytes4(revertData)),
                uint32(IPennyPostRelayed.PennyPostInsufficientGas.selector),
                "reason"
            );
        }
        assertEq(pennyPost.nonces(bobSigner), 0, "the good item did not run either");
        assertEq(pennyPost.nonces(address(burner)), 0, "burner nonce untouched");
        assertEq(pennyPost.depositOf(address(burner), ETH), 1 ether, "burner deposit untouched");
    }
}
