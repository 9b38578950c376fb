// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../../contracts/interfaces/IPennyPost.sol";
import {RevertingReceiver} from "../../contracts/mocks/RevertingReceiver.sol";

import {PennyPostFixture} from "./utils/PennyPostFixture.sol";

/// @notice Pull payments: authors and the treasury withdraw exactly what they are owed, a failing
/// receiver blocks no one, and withdrawals stay open while paused or after a token is delisted.
contract PennyPostWithdrawTest is PennyPostFixture {
    function setUp() public override {
        super.setUp();
        vm.deal(tipper, 1 ether);
        vm.prank(tipper);
        pennyPost.tip{value: 1 ether}(alicePost); // alice owed 0.975 ether, treasury 0.025 + POST_FEE
    }

    function test_withdraw_paysOwedAndZeroesIt() public {
        vm.expectEmit();
        emit IPennyPost.Withdrawn(alice, ETH, alice, 0.975 ether);
        vm.prank(alice);
        pennyPost.withdraw(ETH);
        assertEq(alice.balance, 0.975 ether, "alice paid");
        assertEq(pennyPost.owed(alice, ETH), 0, "owed zeroed");
        assertEq(address(pennyPost).balance, pennyPost.feesOwed(ETH), "only fees remain");
    }

    function test_withdraw_revertsWhenNothingOwed() public {
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostNothingToWithdraw.selector, bob, ETH));
        vm.prank(bob);
        pennyPost.withdraw(ETH);
    }

    function test_withdrawTo_paysRecipient() public {
        vm.prank(alice);
        pennyPost.withdrawTo(ETH, bob);
        assertEq(bob.balance, 0.975 ether, "bob received alice's balance");
        assertEq(pennyPost.owed(alice, ETH), 0, "owed zeroed");
    }

    function test_withdrawTo_revertsOnZeroAddress() public {
        vm.expectRevert(IPennyPost.PennyPostZeroAddress.selector);
        vm.prank(alice);
        pennyPost.withdrawTo(ETH, address(0));
        assertEq(pennyPost.owed(alice, ETH), 0.975 ether, "still owed");
    }

    function test_withdraw_staysOpenWhilePaused() public {
        vm.prank(owner);
        pennyPost.pause();
        vm.prank(alice);
        pennyPost.withdraw(ETH);
        assertEq(alice.balance, 0.975 ether, "alice paid while paused");
    }

    function test_withdraw_tokenStillPaidAfterDelisting() public {
        noBoolToken.mint(tipper, 1_000);
        vm.startPrank(tipper);
        noBoolToken.approve(address(pennyPost), 1_000);
        pennyPost.tipToken(alicePost, address(noBoolToken), 1_000);
        vm.stopPrank();
        vm.prank(owner);
        pennyPost.setTokenAccepted(address(noBoolToken), false);

        vm.prank(alice);
        pennyPost.withdraw(address(noBoolToken));
        assertEq(noBoolToken.balanceOf(alice), 975, "author share paid");
        vm.prank(treasury);
        pennyPost.withdrawFees(address(noBoolToken));
        assertEq(noBoolToken.balanceOf(treasury), 25, "fee paid");
        assertEq(noBoolToken.balanceOf(address(pennyPost)), 0, "nothing left");
    }

    function test_withdrawFees_paysTreasuryEvenWhenOwnerCalls() public {
        uint256 fees = pennyPost.feesOwed(ETH);
        assertEq(fees, POST_FEE + 0.025 ether, "post fee plus tip fee");
        vm.prank(owner);
        pennyPost.withdrawFees(ETH);
        assertEq(treasury.balance, fees, "treasury paid");
        assertEq(owner.balance, 0, "owner paid nothing");
        assertEq(pennyPost.feesOwed(ETH), 0, "fees zeroed");
    }

    function test_withdrawFees_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostNotTreasury.selector, alice));
        vm.prank(alice);
        pennyPost.withdrawFees(ETH);
        assertEq(pennyPost.feesOwed(ETH), POST_FEE + 0.025 ether, "fees unchanged");
    }

    function test_withdrawFees_revertsWhenNothingAccrued() public {
        vm.expectRevert(
            abi.encodeWithSelector(IPennyPost.PennyPostNothingToWithdraw.selector, treasury, address(token))
        );
        vm.prank(treasury);
        pennyPost.withdrawFees(address(token));
    }

    /// @notice An author that refuses ether cannot withdraw to itself, keeps its balance, can still
    /// withdraw elsewhere, and does not stop anyone else from withdrawing.
    function test_withdraw_revertingReceiverBlocksNoOne() public {
        RevertingReceiver receiver = new RevertingReceiver(pennyPost);
        vm.deal(address(this), POST_FEE);
        uint256 id = receiver.post{value: POST_FEE}("I refuse ether");
        vm.deal(tipper, 1 ether);
        vm.prank(tipper);
        pennyPost.tip{value: 1 ether}(id);

        vm.expectRevert(
            abi.encodeWithSelector(IPennyPost.PennyPostEthTransferFailed.selector, address(receiver), 0.975 ether)
        );
        receiver.withdraw();
        assertEq(pennyPost.owed(address(receiver), ETH), 0.975 ether, "still owed after failure");

        vm.prank(alice);
        pennyPost.withdraw(ETH);
        assertEq(alice.balance, 0.975 ether, "alice not blocked");

        receiver.withdrawTo(bob);
        assertEq(bob.balance, 0.975 ether, "receiver withdrew to another address");
    }

    /// @notice Whatever was tipped, the author withdraws exactly the share and the contract keeps
    /// exactly the fees.
    function testFuzz_withdraw_paysExactlyOwed(uint256 amount) public {
        amount = bound(amount, 1, 1e30);
        vm.deal(tipper, amount);
        vm.prank(tipper);
        pennyPost.tip{value: amount}(alicePost);
        uint256 owedToAlice = pennyPost.owed(alice, ETH);
        vm.prank(alice);
        pennyPost.withdraw(ETH);
        assertEq(alice.balance, owedToAlice, "paid exactly what was owed");
        assertEq(address(pennyPost).balance, pennyPost.feesOwed(ETH), "the rest is fees");
    }
}
