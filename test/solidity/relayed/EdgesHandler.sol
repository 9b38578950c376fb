// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PennyPost} from "../../../contracts/PennyPost.sol";
import {PennyTestToken} from "../../../contracts/tokens/PennyTestToken.sol";

import {TestBase} from "../utils/TestBase.sol";

/// @notice The money rules at their edges (issue 16), called by the relayed invariant fuzzer next to
/// RelayedHandler (kept apart so that each stays under EIP-170's code size, which the fuzzer needs):
/// the owner pauses and unpauses (RelayedHandler checks that deposit withdrawals wait a full delay
/// after the last unpause) and delists the token between relayed tips (RelayedHandler checks that
/// no tip pays in a delisted token), and actors try to send money to PennyPost itself.
contract EdgesHandler is TestBase {
    uint256 internal constant ACTORS = 4;

    PennyPost public pennyPost;
    PennyTestToken public token;
    address public owner;
    address[ACTORS] internal _actors;

    uint256 public ghost_lastUnpausedAt; // when the owner last unpaused (0: never)
    uint256 public ghost_pauses;
    uint256 public ghost_delistings;
    uint256 public ghost_selfAttempts;
    uint256 public ghost_unexpected;

    constructor(PennyPost pennyPost_, PennyTestToken token_, address owner_) {
        pennyPost = pennyPost_;
        token = token_;
        owner = owner_;
        for (uint256 i; i < ACTORS; ++i) _actors[i] = vm.addr(0xAC7 + i); // RelayedHandler's actors
    }

    /// @notice Pauses, or unpauses (remembering when: withdrawals wait a full delay after it).
    function togglePause() external {
        bool paused = pennyPost.paused(); // before the prank: a call would take it
        vm.prank(owner);
        if (paused) {
            pennyPost.unpause();
            ghost_lastUnpausedAt = block.timestamp;
        } else {
            pennyPost.pause();
            ++ghost_pauses;
        }
    }

    /// @notice Delists or lists the token again, between relayed tips signed in it.
    function setTokenAccepted(bool accepted) external {
        vm.prank(owner);
        pennyPost.setTokenAccepted(address(token), accepted);
        if (!accepted) ++ghost_delistings;
    }

    /// @notice Tries to send money to PennyPost itself, or make it owed some: a withdrawal of an owed
    /// balance or of a deposit to it, the treasury set to it, a deposit for it. Each must revert.
    function sendToSelf(uint256 what, uint256 actorSeed, uint256 assetSeed) external {
        address self = address(pennyPost);
        address actor = _actors[actorSeed % ACTORS];
        address asset = assetSeed % 2 == 0 ? address(0) : address(token);
        bool done;
        what %= 4;
        ++ghost_selfAttempts;
        if (what == 0) {
            vm.prank(actor);
            try pennyPost.withdrawTo(asset, self) { done = true; } catch {}
        } else if (what == 1) {
            vm.prank(actor);
            try pennyPost.completeDepositWithdrawal(asset, self) { done = true; } catch {}
        } else if (what == 2) {
            vm.prank(owner);
            try pennyPost.setTreasury(self) { done = true; } catch {}
        } else {
            vm.deal(address(this), 1 ether);
            try pennyPost.deposit{value: 1 ether}(self) { done = true; } catch {}
        }
        if (done) ++ghost_unexpected;
    }
}
