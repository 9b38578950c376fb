// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IPennyPost} from "../../contracts/interfaces/IPennyPost.sol";

import {PennyPostFixture} from "./utils/PennyPostFixture.sol";

/// @notice Tips in ether and tokens: the exact split `fee + share == amount` with
/// `fee = floor(amount * bps / 10_000)`, and every way a tip is refused.
contract PennyPostTipTest is PennyPostFixture {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    // ---------------------------------------------------------------- ether

    function test_tip_creditsAuthorMinusFee() public {
        uint256 feesBefore = pennyPost.feesOwed(ETH);
        _tipEth(1 ether);
        assertEq(pennyPost.owed(alice, ETH), 0.975 ether, "author gets 97.5%");
        assertEq(pennyPost.feesOwed(ETH), feesBefore + 0.025 ether, "treasury gets 2.5%");
        assertEq(pennyPost.owed(tipper, ETH), 0, "tipper is owed nothing");
    }

    function test_tip_roundsFeeDownInAuthorsFavour() public {
        uint256 feesBefore = pennyPost.feesOwed(ETH);
        _tipEth(39); // 39 * 250 / 10_000 = 0.975, rounded down to 0
        assertEq(pennyPost.owed(alice, ETH), 39, "author gets the whole tip");
        assertEq(pennyPost.feesOwed(ETH), feesBefore, "no fee");
    }

    function test_tip_emitsTipped() public {
        vm.deal(tipper, 1 ether);
        vm.expectEmit();
        emit IPennyPost.Tipped(alicePost, tipper, alice, ETH, 1 ether, 0.025 ether);
        vm.prank(tipper);
        pennyPost.tip{value: 1 ether}(alicePost);
    }

    function test_tip_revertsOnZeroTip() public {
        vm.expectRevert(IPennyPost.PennyPostZeroTip.selector);
        vm.prank(tipper);
        pennyPost.tip(alicePost);
        assertEq(pennyPost.owed(alice, ETH), 0, "nothing credited");
    }

    function test_tip_revertsOnUnknownPost() public {
        vm.deal(tipper, 2);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostUnknownPost.selector, 0));
        vm.prank(tipper);
        pennyPost.tip{value: 1}(0);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostUnknownPost.selector, alicePost + 1));
        vm.prank(tipper);
        pennyPost.tip{value: 1}(alicePost + 1);
        assertEq(tipper.balance, 2, "tips returned");
    }

    function test_tip_revertsWhenPaused() public {
        vm.prank(owner);
        pennyPost.pause();
        vm.deal(tipper, 1 ether);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(tipper);
        pennyPost.tip{value: 1 ether}(alicePost);
        assertEq(pennyPost.owed(alice, ETH), 0, "nothing credited while paused");
        assertEq(tipper.balance, 1 ether, "tip returned");
    }

    // ---------------------------------------------------------------- tokens

    function test_tipToken_creditsAuthorMinusFee() public {
        token.faucet(tipper, 100e18);
        _tipToken(address(token), 100e18);
        assertEq(pennyPost.owed(alice, address(token)), 97.5e18, "author share");
        assertEq(pennyPost.feesOwed(address(token)), 2.5e18, "fee");
        assertEq(token.balanceOf(address(pennyPost)), 100e18, "tokens arrived");
    }

    function test_tipToken_acceptsTokenReturningNoBool() public {
        noBoolToken.mint(tipper, 10_000);
        _tipToken(address(noBoolToken), 10_000);
        assertEq(pennyPost.owed(alice, address(noBoolToken)), 9_750, "author share");
        assertEq(pennyPost.feesOwed(address(noBoolToken)), 250, "fee");
    }

    function test_tipToken_revertsWhenTokenNotAccepted() public {
        vm.prank(owner);
        pennyPost.setTokenAccepted(address(token), false);
        token.faucet(tipper, 1e18);
        vm.prank(tipper);
        token.approve(address(pennyPost), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostTokenNotAccepted.selector, address(token)));
        vm.prank(tipper);
        pennyPost.tipToken(alicePost, address(token), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostTokenNotAccepted.selector, ETH));
        vm.prank(tipper);
        pennyPost.tipToken(alicePost, ETH, 1e18);
        assertEq(token.balanceOf(tipper), 1e18, "tokens not taken");
    }

    function test_tipToken_revertsOnFeeOnTransferToken() public {
        feeToken.mint(tipper, 1_000);
        vm.prank(tipper);
        feeToken.approve(address(pennyPost), 1_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPennyPost.PennyPostTokenTransferMismatch.selector, address(feeToken), 1_000, 990
            )
        );
        vm.prank(tipper);
        pennyPost.tipToken(alicePost, address(feeToken), 1_000);
        assertEq(feeToken.balanceOf(tipper), 1_000, "tokens not taken");
        assertEq(pennyPost.owed(alice, address(feeToken)), 0, "nothing credited");
    }

    function test_tipTokenWithPermit_pullsWithSignature() public {
        token.faucet(tipper, 10e18);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(tipperPk, 10e18, block.timestamp + 1 hours);
        vm.prank(tipper);
        pennyPost.tipTokenWithPermit(alicePost, address(token), 10e18, block.timestamp + 1 hours, v, r, s);
        assertEq(pennyPost.owed(alice, address(token)), 9.75e18, "author share");
        assertEq(token.allowance(tipper, address(pennyPost)), 0, "allowance used up");
    }

    /// @notice Someone who copies the permit from the mempool and submits it first does not make
    /// the tip fail: the allowance is already there.
    function test_tipTokenWithPermit_succeedsWhenPermitWasFrontRun() public {
        token.faucet(tipper, 10e18);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(tipperPk, 10e18, deadline);
        vm.prank(stranger);
        token.permit(tipper, address(pennyPost), 10e18, deadline, v, r, s);

        vm.prank(tipper);
        pennyPost.tipTokenWithPermit(alicePost, address(token), 10e18, deadline, v, r, s);
        assertEq(pennyPost.owed(alice, address(token)), 9.75e18, "author share");
    }

    // ---------------------------------------------------------------- fuzz: the split

    /// @notice Ether: any amount (up to more ether than exists), any allowed fee.
    /// hardhat-config: fuzz.runs = 10000
    function testFuzz_tip_feePlusShareEqualsAmount(uint256 amount, uint16 bps) public {
        amount = bound(amount, 1, type(uint160).max);
        _setBps(bps);
        _assertSplit(ETH, amount, pennyPost.tipFeeBps(), _tipEth);
    }

    /// @notice A token returning no bool, whose supply can reach type(uint256).max.
    /// hardhat-config: fuzz.runs = 10000
    function testFuzz_tipToken_feePlusShareEqualsAmount(uint256 amount, uint16 bps) public {
        amount = bound(amount, 1, type(uint256).max);
        _setBps(bps);
        noBoolToken.mint(tipper, amount);
        _assertSplit(address(noBoolToken), amount, pennyPost.tipFeeBps(), _tipNoBool);
    }

    /// @notice The ERC20Permit test token, its balance written past the faucet limit up to the max.
    /// hardhat-config: fuzz.runs = 10000
    function testFuzz_tipToken_permitTokenSplitExactUpToMax(uint256 amount, uint16 bps) public {
        amount = bound(amount, 1, type(uint256).max);
        _setBps(bps);
        _setTokenBalance(tipper, amount);
        _assertSplit(address(token), amount, pennyPost.tipFeeBps(), _tipTestToken);
    }

    function test_tipToken_splitExactAtMaxAmountAndMaxFee() public {
        _setBps(uint16(pennyPost.MAX_TIP_FEE_BPS()));
        _setTokenBalance(tipper, type(uint256).max);
        _assertSplit(address(token), type(uint256).max, pennyPost.MAX_TIP_FEE_BPS(), _tipTestToken);
        // (2^256 - 1) * 1_000 / 10_000, rounded down
        assertEq(
            pennyPost.feesOwed(address(token)),
            11579208923731619542357098500868790785326998466564056403945758400791312963993,
            "fee at the max"
        );
    }

    // ---------------------------------------------------------------- helpers

    function _setBps(uint256 bps) internal {
        bps = bound(bps, 0, pennyPost.MAX_TIP_FEE_BPS()); // before the prank: the view call would use it
        vm.prank(owner);
        pennyPost.setTipFeeBps(bps);
    }

    function _assertSplit(address asset, uint256 amount, uint256 bps, function(uint256) internal tipFn) internal {
        uint256 owedBefore = pennyPost.owed(alice, asset);
        uint256 feesBefore = pennyPost.feesOwed(asset);
        tipFn(amount);
        uint256 share = pennyPost.owed(alice, asset) - owedBefore;
        uint256 fee = pennyPost.feesOwed(asset) - feesBefore;
        assertEq(fee, _expectedFee(amount, bps), "fee == floor(amount * bps / 10_000)");
        assertEq(share, amount - fee, "author share == amount - fee");
        assertLe(fee, amount, "fee <= amount");
    }

    function _tipEth(uint256 amount) internal {
        vm.deal(tipper, amount);
        vm.prank(tipper);
        pennyPost.tip{value: amount}(alicePost);
    }

    function _tipTestToken(uint256 amount) internal {
        _tipToken(address(token), amount);
    }

    function _tipNoBool(uint256 amount) internal {
        _tipToken(address(noBoolToken), amount);
    }

    /// @dev Approves and tips; the tipper must already hold `amount`.
    function _tipToken(address asset, uint256 amount) internal {
        vm.startPrank(tipper);
        if (asset == address(noBoolToken)) noBoolToken.approve(address(pennyPost), amount);
        else token.approve(address(pennyPost), amount);
        pennyPost.tipToken(alicePost, asset, amount);
        vm.stopPrank();
    }

    function _signPermit(uint256 pk, uint256 value, uint256 deadline)
        internal
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        address holder = vm.addr(pk);
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, holder, address(pennyPost), value, token.nonces(holder), deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        return vm.sign(pk, digest);
    }
}
