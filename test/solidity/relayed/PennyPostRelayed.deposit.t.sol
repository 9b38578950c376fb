// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice Deposits and their delayed withdrawal: locked until `unlockAt`, still spent by
/// settlements meanwhile, paying what is left; cancel; tokens (accepted only, exact transfers only).
contract PennyPostRelayedDepositTest is RelayedFixture {
    // ---------------------------------------------------------------- deposit

    function testFuzz_deposit_creditsAccount(address account, uint256 amount) public {
        vm.assume(account != address(0));
        amount = bound(amount, 1, 1e30);
        vm.deal(stranger, amount);
        vm.expectEmit();
        emit IPennyPostRelayed.Deposited(account, ETH, amount);
        vm.prank(stranger);
        pennyPost.deposit{value: amount}(account);
        assertEq(pennyPost.depositOf(account, ETH), amount, "deposit");
        assertEq(address(pennyPost).balance, POST_FEE + amount, "ether arrived");
    }

    function test_deposit_rejectsZeroAndZeroAddress() public {
        vm.expectRevert(IPennyPostRelayed.PennyPostZeroDeposit.selector);
        pennyPost.deposit(tipper);
        vm.deal(address(this), 1);
        vm.expectRevert(IPennyPost.PennyPostZeroAddress.selector);
        pennyPost.deposit{value: 1}(address(0));
    }

    // ---------------------------------------------------------------- withdrawal window

    /// @notice complete at unlockAt - 1 reverts PennyPostWithdrawalLocked; at unlockAt it pays the
    /// requested amount and the rest of the deposit stays.
    function testFuzz_withdrawal_lockedUntilUnlockAt(uint256 amount, uint256 requested, uint256 start) public {
        amount = bound(amount, 1, 1e30);
        requested = bound(requested, 1, amount);
        vm.warp(bound(start, 1, 1 << 40));
        _depositEth(pennyPost, tipper, amount);
        uint256 unlockAt = block.timestamp + DELAY;
        vm.expectEmit();
        emit IPennyPostRelayed.DepositWithdrawalRequested(tipper, ETH, requested, unlockAt);
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, requested);
        (uint256 pendingAmount, uint256 pendingUnlock) = pennyPost.pendingWithdrawal(tipper, ETH);
        assertEq(pendingAmount, requested, "pending amount");
        assertEq(pendingUnlock, unlockAt, "unlockAt");

        vm.warp(unlockAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IPennyPostRelayed.PennyPostWithdrawalLocked.selector, tipper, ETH, unlockAt)
        );
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, bob);

        vm.warp(unlockAt);
        vm.expectEmit();
        emit IPennyPostRelayed.DepositWithdrawn(tipper, ETH, bob, requested);
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, bob);
        assertEq(bob.balance, requested, "paid to `to`");
        assertEq(pennyPost.depositOf(tipper, ETH), amount - requested, "the rest stays");
        (pendingAmount, pendingUnlock) = pennyPost.pendingWithdrawal(tipper, ETH);
        assertEq(pendingAmount + pendingUnlock, 0, "request consumed");
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostNoPendingWithdrawal.selector, tipper, ETH));
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, bob);
    }

    /// @notice Settlements during the window still spend the deposit; the withdrawal then pays what
    /// is left, never more, and the ledger balances to the wei.
    function testFuzz_withdrawal_paysWhatSettlementsLeft(uint256 amount, uint256 tipAmount) public {
        amount = bound(amount, 2, 100 ether);
        tipAmount = bound(tipAmount, 1, amount - 1);
        _depositEth(pennyPost, tipper, amount);
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, amount);

        vm.warp(block.timestamp + DELAY - 1);
        _submit(_noPosts(), _tips(_signedTip(tipperPk, alicePost, alice, ETH, tipAmount, 0)));
        assertEq(pennyPost.depositOf(tipper, ETH), amount - tipAmount, "the tip was paid in the window");

        vm.warp(block.timestamp + 1);
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, tipper);
        assertEq(tipper.balance, amount - tipAmount, "paid what was left");
        assertEq(pennyPost.depositOf(tipper, ETH), 0, "deposit empty");
        assertEq(
            address(pennyPost).balance,
            pennyPost.owed(alice, ETH) + pennyPost.feesOwed(ETH),
            "balance == owed + fees (no deposits left)"
        );
    }

    /// @notice A withdrawal whose deposit was spent entirely reverts PennyPostNothingToWithdraw.
    function test_withdrawal_ofSpentDeposit_revertsNothingToWithdraw() public {
        _depositEth(pennyPost, tipper, 1 ether);
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, 1 ether);
        _submit(_noPosts(), _tips(_signedTip(tipperPk, alicePost, alice, ETH, 1 ether, 0)));
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostNothingToWithdraw.selector, tipper, ETH));
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, tipper);
    }

    /// @notice Requests above the deposit, or of 0, revert; a new request replaces the old one and
    /// restarts the delay.
    function test_request_checksAndReplaces() public {
        _depositEth(pennyPost, tipper, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPennyPostRelayed.PennyPostInsufficientDeposit.selector, tipper, ETH, 1 ether, 1 ether + 1
            )
        );
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, 1 ether + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IPennyPostRelayed.PennyPostInsufficientDeposit.selector, tipper, ETH, 1 ether, 0)
        );
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, 0);

        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, 0.2 ether);
        vm.warp(block.timestamp + DELAY - 10);
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, 0.5 ether);
        (uint256 amount, uint256 unlockAt) = pennyPost.pendingWithdrawal(tipper, ETH);
        assertEq(amount, 0.5 ether, "replaced amount");
        assertEq(unlockAt, block.timestamp + DELAY, "delay restarted");
        vm.warp(block.timestamp + 10);
        vm.expectRevert(
            abi.encodeWithSelector(IPennyPostRelayed.PennyPostWithdrawalLocked.selector, tipper, ETH, unlockAt)
        );
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, tipper);
    }

    /// @notice Cancel clears the request (a later complete reverts), and cancelling nothing reverts.
    function test_cancel() public {
        _depositEth(pennyPost, tipper, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostNoPendingWithdrawal.selector, tipper, ETH));
        vm.prank(tipper);
        pennyPost.cancelDepositWithdrawal(ETH);

        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, 1 ether);
        vm.expectEmit();
        emit IPennyPostRelayed.DepositWithdrawalCancelled(tipper, ETH);
        vm.prank(tipper);
        pennyPost.cancelDepositWithdrawal(ETH);
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostNoPendingWithdrawal.selector, tipper, ETH));
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, tipper);
        assertEq(pennyPost.depositOf(tipper, ETH), 1 ether, "deposit intact");
    }

    /// @notice The zero recipient reverts before anything moves.
    function test_complete_rejectsZeroRecipient() public {
        _depositEth(pennyPost, tipper, 1 ether);
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, 1 ether);
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(IPennyPost.PennyPostZeroAddress.selector);
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, address(0));
    }

    // ---------------------------------------------------------------- tokens

    /// @notice An accepted token deposits exactly and withdraws through the same window.
    function testFuzz_tokenDeposit_roundTrip(uint256 amount) public {
        amount = bound(amount, 1, 1e36);
        _depositToken(pennyPost, tipper, amount);
        assertEq(pennyPost.depositOf(tipper, address(token)), amount, "token deposit");
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(address(token), amount);
        vm.warp(block.timestamp + DELAY);
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(address(token), tipper);
        assertEq(token.balanceOf(tipper), amount, "tokens back");
        assertEq(token.balanceOf(address(pennyPost)), 0, "none left behind");
    }

    /// @notice A token the owner did not accept reverts PennyPostTokenNotAccepted.
    function test_tokenDeposit_rejectsUnacceptedToken() public {
        vm.prank(owner);
        pennyPost.setTokenAccepted(address(token), false);
        _setTokenBalance(address(this), 1e18);
        token.approve(address(pennyPost), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostTokenNotAccepted.selector, address(token)));
        pennyPost.depositToken(tipper, address(token), 1e18);
        vm.expectRevert(IPennyPostRelayed.PennyPostZeroDeposit.selector);
        pennyPost.depositToken(tipper, address(noBoolToken), 0);
    }

    /// @notice A fee-on-transfer token (accepted by the owner) delivers less than the amount: the
    /// deposit reverts PennyPostTokenTransferMismatch instead of crediting wei that did not arrive.
    function testFuzz_tokenDeposit_rejectsFeeOnTransfer(uint256 amount) public {
        amount = bound(amount, 100, 1e30);
        feeToken.mint(address(this), amount);
        feeToken.approve(address(pennyPost), amount);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPennyPost.PennyPostTokenTransferMismatch.selector, address(feeToken), amount, amount - amount / 100
            )
        );
        pennyPost.depositToken(tipper, address(feeToken), amount);
        assertEq(pennyPost.depositOf(tipper, address(feeToken)), 0, "nothing credited");
    }
}
