// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice The money rules at their edges (issue 16, findings 7-11), one test each: no money is sent
/// or owed to PennyPost itself, a delisted token pays no tip in any mode, a pause does not shorten the
/// withdrawal delay, and a relayed post tipped directly gets an error that says so.
contract PennyPostRelayedEdgesTest is RelayedFixture {
    uint256 internal relayedPost;

    function setUp() public override {
        super.setUp();
        _depositEth(pennyPost, bobSigner, 1 ether);
        _depositToken(pennyPost, bobSigner, 100e18);
        // a batched post by bob: relayed, so the chain stores no author for it
        _submit(_posts(_signedPost(bobPk, 0, "relayed", 0)), _noTips());
        relayedPost = pennyPost.postCount();
    }

    function _voucher(uint256 pk, address asset, uint256 postId, address author, uint256 amount)
        internal
        returns (IPennyPostRelayed.Voucher[] memory list)
    {
        list = new IPennyPostRelayed.Voucher[](1);
        IPennyPostRelayed.VoucherTip[] memory tips = new IPennyPostRelayed.VoucherTip[](1);
        tips[0] = IPennyPostRelayed.VoucherTip(postId, author, amount);
        bytes32 h = keccak256(abi.encode(bytes32(0), postId, author, amount));
        list[0] = IPennyPostRelayed.Voucher(vm.addr(pk), asset, amount, h, "", tips);
        list[0].signature = _sign(pk, _voucherDigest(pennyPost, list[0]));
    }

    function _settle(IPennyPostRelayed.Voucher[] memory list) internal {
        vm.prank(relayer);
        pennyPost.settleVouchers(list);
    }

    /// @notice Finding 7 and 9: PennyPost can be neither a withdrawal's recipient (owed balance or
    /// deposit, ETH or token), nor the treasury, nor a deposit's account, nor the author a batched tip
    /// or a voucher credits. Before the fix the token withdrawal succeeded and stranded the tokens.
    function test_selfAddress_refusedEverywhere() public {
        address self = address(pennyPost);
        // alice is owed ETH and tokens (tips on her direct post)
        vm.deal(tipper, 1 ether);
        vm.prank(tipper);
        pennyPost.tip{value: 1 ether}(alicePost);
        _setTokenBalance(tipper, 10e18);
        vm.startPrank(tipper);
        token.approve(address(pennyPost), 10e18);
        pennyPost.tipToken(alicePost, address(token), 10e18);
        vm.stopPrank();

        vm.startPrank(alice);
        vm.expectRevert(IPennyPost.PennyPostSelfAddress.selector);
        pennyPost.withdrawTo(address(token), self);
        vm.expectRevert(IPennyPost.PennyPostSelfAddress.selector);
        pennyPost.withdrawTo(ETH, self);
        vm.stopPrank();

        vm.prank(owner);
        vm.expectRevert(IPennyPost.PennyPostSelfAddress.selector);
        pennyPost.setTreasury(self);

        vm.deal(address(this), 1 ether);
        vm.expectRevert(IPennyPost.PennyPostSelfAddress.selector);
        pennyPost.deposit{value: 1 ether}(self);
        _setTokenBalance(address(this), 1e18);
        token.approve(address(pennyPost), 1e18);
        vm.expectRevert(IPennyPost.PennyPostSelfAddress.selector);
        pennyPost.depositToken(self, address(token), 1e18);

        vm.prank(bobSigner);
        pennyPost.requestDepositWithdrawal(address(token), 50e18);
        vm.warp(block.timestamp + DELAY);
        vm.prank(bobSigner);
        vm.expectRevert(IPennyPost.PennyPostSelfAddress.selector);
        pennyPost.completeDepositWithdrawal(address(token), self);

        // a batched tip and a voucher naming PennyPost as the relayed post's author are skipped
        IPennyPostRelayed.SignedTip memory t = _signedTip(bobPk, relayedPost, self, ETH, 1000, 1);
        _expectSkipped(bobSigner, 1, IPennyPost.PennyPostSelfAddress.selector);
        _submit(_noPosts(), _tips(t));
        IPennyPostRelayed.Voucher[] memory v = _voucher(bobPk, ETH, relayedPost, self, 1000);
        _expectSkipped(bobSigner, 1000, IPennyPost.PennyPostSelfAddress.selector);
        _settle(v);

        assertEq(pennyPost.owed(self, ETH), 0, "nothing owed to PennyPost in ETH");
        assertEq(pennyPost.owed(self, address(token)), 0, "nothing owed to PennyPost in tokens");
        assertEq(pennyPost.depositOf(self, ETH), 0, "no deposit of PennyPost");
        assertEq(pennyPost.treasury(), treasury, "treasury unchanged");
        assertEq(
            token.balanceOf(self),
            pennyPost.owed(alice, address(token)) + pennyPost.feesOwed(address(token)) + pennyPost.depositOf(bobSigner, address(token)),
            "every token PennyPost holds is owed to someone"
        );
    }

    /// @notice Finding 8: a token delisted after it was signed for pays no batched tip and no voucher
    /// (PennyPostTokenNotAccepted), as a direct tipToken reverts; nothing moves, the nonce stays usable,
    /// and once listed again the same kind of tip pays.
    function test_delistedToken_paysNoRelayedTip() public {
        IPennyPostRelayed.SignedTip memory t = _signedTip(bobPk, relayedPost, bobSigner, address(token), 1e18, 1);
        IPennyPostRelayed.Voucher[] memory v = _voucher(bobPk, address(token), relayedPost, bobSigner, 1e18);
        vm.prank(owner);
        pennyPost.setTokenAccepted(address(token), false);
        Ledger memory before = _ledger(pennyPost, bobSigner, bobSigner);

        _expectSkipped(bobSigner, 1, IPennyPost.PennyPostTokenNotAccepted.selector);
        _submit(_noPosts(), _tips(t));
        _expectSkipped(bobSigner, 1e18, IPennyPost.PennyPostTokenNotAccepted.selector);
        _settle(v);
        _assertLedger(_ledger(pennyPost, bobSigner, bobSigner), before, "a delisted token moves nothing");

        vm.prank(owner);
        pennyPost.setTokenAccepted(address(token), true);
        _submit(_noPosts(), _tips(t));
        _settle(v);
        assertEq(pennyPost.depositOf(bobSigner, address(token)), 98e18, "listed again: both tips paid");
    }

    /// @notice Finding 10: a tipper signs a voucher, the owner pauses (settlements stop), the tipper
    /// requests its withdrawal. It cannot complete while paused, nor sooner than the full delay after
    /// the unpause, so the relayer settles the voucher first and the withdrawal pays what is left.
    function test_pause_withdrawalWaitsAFullDelayAfterUnpause() public {
        IPennyPostRelayed.Voucher[] memory v = _voucher(bobPk, ETH, alicePost, alice, 0.05 ether);
        vm.prank(owner);
        pennyPost.pause();
        uint256 deposit = pennyPost.depositOf(bobSigner, ETH);
        vm.prank(bobSigner);
        pennyPost.requestDepositWithdrawal(ETH, deposit);
        vm.warp(block.timestamp + 2 * DELAY);

        vm.prank(bobSigner);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        pennyPost.completeDepositWithdrawal(ETH, bobSigner);

        vm.prank(owner);
        pennyPost.unpause();
        uint256 unlockAt = block.timestamp + DELAY;
        (, uint256 reported) = pennyPost.pendingWithdrawal(bobSigner, ETH);
        assertEq(reported, unlockAt, "unlocks a full delay after the unpause");
        vm.warp(unlockAt - 1);
        vm.prank(bobSigner);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostWithdrawalLocked.selector, bobSigner, ETH, unlockAt));
        pennyPost.completeDepositWithdrawal(ETH, bobSigner);

        _settle(v); // the relayer's window
        (uint256 settled,) = pennyPost.voucherState(bobSigner, ETH);
        assertEq(settled, 0.05 ether, "the voucher signed before the pause is paid");

        vm.warp(unlockAt);
        uint256 balance = bobSigner.balance;
        vm.prank(bobSigner);
        pennyPost.completeDepositWithdrawal(ETH, bobSigner);
        assertEq(bobSigner.balance - balance, deposit - 0.05 ether, "the withdrawal pays what is left");
    }

    /// @notice Finding 11: tipping a relayed post directly reverts with PennyPostNotDirectPost (the
    /// chain stores no author for it), not PennyPostUnknownPost; an id past postCount is still unknown.
    function test_directTipOnRelayedPost_saysSo() public {
        vm.deal(tipper, 1 ether);
        vm.startPrank(tipper);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostNotDirectPost.selector, relayedPost));
        pennyPost.tip{value: 1000}(relayedPost);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostNotDirectPost.selector, relayedPost));
        pennyPost.tipToken(relayedPost, address(token), 1000);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostUnknownPost.selector, relayedPost + 1));
        pennyPost.tip{value: 1000}(relayedPost + 1);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostNotDirectPost.selector, relayedPost));
        pennyPost.authorOf(relayedPost);
    }
}
