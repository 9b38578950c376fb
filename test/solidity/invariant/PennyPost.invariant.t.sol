// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {PennyPost} from "../../../contracts/PennyPost.sol";
import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {NoBoolToken} from "../../../contracts/mocks/NoBoolToken.sol";
import {PennyTestToken} from "../../../contracts/tokens/PennyTestToken.sol";

import {TestBase} from "../utils/TestBase.sol";
import {PennyPostHandler} from "./PennyPostHandler.sol";

/// @notice The money rules of IPennyPost under random sequences of posts, tips (ether, the permit
/// token, a no-bool token), withdrawals, fee payouts, fee changes and pauses by five fixed actors.
/// The fuzzer calls only the handler. To point the suite at another implementation, inherit and
/// override `_deployPennyPost`.
contract PennyPostInvariantTest is TestBase {
    address internal constant OWNER = address(0x0A11);
    address internal constant TREASURY = address(0x7EA5);

    IPennyPost internal pennyPost;
    PennyTestToken internal token;
    NoBoolToken internal noBoolToken;
    PennyPostHandler internal handler;

    function setUp() public {
        pennyPost = _deployPennyPost(OWNER, TREASURY);
        token = new PennyTestToken();
        noBoolToken = new NoBoolToken();
        vm.startPrank(OWNER);
        pennyPost.setTokenAccepted(address(token), true);
        pennyPost.setTokenAccepted(address(noBoolToken), true);
        vm.stopPrank();
        handler = new PennyPostHandler(pennyPost, token, noBoolToken, OWNER, TREASURY);
    }

    function _deployPennyPost(address owner, address treasury) internal virtual returns (IPennyPost) {
        return new PennyPost(owner, treasury, 10_000_000_000_000, 250);
    }

    // ---------------------------------------------------------------- what the fuzzer calls

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = PennyPostHandler.post.selector;
        selectors[1] = PennyPostHandler.tip.selector;
        selectors[2] = PennyPostHandler.tipToken.selector;
        selectors[3] = PennyPostHandler.tipTokenWithPermit.selector;
        selectors[4] = PennyPostHandler.withdraw.selector;
        selectors[5] = PennyPostHandler.withdrawFees.selector;
        selectors[6] = PennyPostHandler.setTipFeeBps.selector;
        selectors[7] = PennyPostHandler.setPostFee.selector;
        selectors[8] = PennyPostHandler.setPaused.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    // ---------------------------------------------------------------- invariants

    /// @notice Conservation, exactly: balance(asset) == Σ owed(actor, asset) + feesOwed(asset), for
    /// ether and each token. Only actors ever post, so the sum over them is complete.
    /// hardhat-config: invariant.runs = 256
    /// hardhat-config: invariant.depth = 128
    function invariant_balanceEqualsOwed() public view {
        for (uint256 a; a < handler.ASSETS(); ++a) {
            assertEq(
                handler.balanceOfPennyPost(a),
                handler.sumOwed(a) + pennyPost.feesOwed(handler.assets(a)),
                _what("balance == sum owed + feesOwed", a)
            );
        }
    }

    /// @notice Every tip splits exactly: Σ tipped == Σ credited to authors + Σ tip fees.
    /// hardhat-config: invariant.runs = 256
    /// hardhat-config: invariant.depth = 128
    function invariant_tippedEqualsCreditedPlusFees() public view {
        for (uint256 a; a < handler.ASSETS(); ++a) {
            assertEq(
                handler.ghost_tipped(a),
                handler.ghost_authorCredited(a) + handler.ghost_tipFees(a),
                _what("tipped == credited + fees", a)
            );
        }
    }

    /// @notice Nothing appears or vanishes: Σ withdrawn + balance == Σ deposited.
    /// hardhat-config: invariant.runs = 256
    /// hardhat-config: invariant.depth = 128
    function invariant_withdrawnPlusBalanceEqualsDeposited() public view {
        for (uint256 a; a < handler.ASSETS(); ++a) {
            assertEq(
                handler.ghost_withdrawn(a) + handler.balanceOfPennyPost(a),
                handler.ghost_deposited(a),
                _what("withdrawn + balance == deposited", a)
            );
        }
    }

    /// @notice feesOwed is exactly the fees accrued (post fees in ether, tip fees) minus fees paid out.
    /// hardhat-config: invariant.runs = 256
    /// hardhat-config: invariant.depth = 128
    function invariant_feesOwedEqualsAccruedMinusPaid() public view {
        for (uint256 a; a < handler.ASSETS(); ++a) {
            uint256 accrued = handler.ghost_tipFees(a) + (a == 0 ? handler.ghost_postFees() : 0);
            assertEq(
                pennyPost.feesOwed(handler.assets(a)),
                accrued - handler.ghost_feesWithdrawn(a),
                _what("feesOwed == accrued - paid", a)
            );
        }
    }

    /// @notice postCount equals the number of successful posts.
    /// hardhat-config: invariant.runs = 256
    /// hardhat-config: invariant.depth = 128
    function invariant_postCountEqualsSuccessfulPosts() public view {
        assertEq(pennyPost.postCount(), handler.ghost_posts(), "postCount == successful posts");
    }

    /// @notice No call had an outcome the spec forbids (see PennyPostHandler).
    /// hardhat-config: invariant.runs = 256
    /// hardhat-config: invariant.depth = 128
    function invariant_noUnexpectedOutcome() public view {
        assertEq(
            handler.ghost_unexpected(), 0, string.concat("unexpected outcomes, last: ", handler.ghost_lastUnexpected())
        );
    }

    function _what(string memory rule, uint256 asset) internal pure returns (string memory) {
        string memory name = asset == 0 ? " (ETH)" : asset == 1 ? " (PennyTestToken)" : " (NoBoolToken)";
        return string.concat(rule, " for asset #", Strings.toString(asset), name);
    }
}
