// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice Session keys: a key the account authorized signs for it within a per-asset cap and until
/// an expiry; over the cap, expired or revoked, its actions are skipped with the reason.
contract PennyPostRelayedSessionTest is RelayedFixture {
    uint256 internal keyPk = 0x5E5510;
    address internal key;
    uint256 internal expiry;

    function setUp() public override {
        super.setUp();
        key = vm.addr(keyPk);
        vm.label(key, "sessionKey");
        expiry = block.timestamp + 1 days;
        _depositEth(pennyPost, tipper, 10 ether);
        _depositToken(pennyPost, tipper, 10e18);
    }

    function _authorize(address asset, uint256 cap) internal {
        vm.prank(tipper);
        pennyPost.authorizeSession(key, asset, cap, expiry);
    }

    /// @dev A tip of alice's post for `tipper`, signed by the session key.
    function _keyTip(address asset, uint256 amount) internal returns (IPennyPostRelayed.SignedTip memory) {
        return _signTip(
            pennyPost, keyPk, _unsignedTip(tipper, alicePost, alice, asset, amount, pennyPost.nonces(tipper))
        );
    }

    function _spent(address asset) internal view returns (uint256 spent) {
        (, spent,) = pennyPost.session(tipper, key, asset);
    }

    // ---------------------------------------------------------------- within and over the cap

    /// @notice Within the cap the key's tips execute and `spent` accumulates across actions; the action
    /// that would pass the cap is skipped with PennyPostSessionCapExceeded; one that reaches it exactly
    /// executes.
    function testFuzz_cap_accumulatesAndBinds(uint256 cap, uint256 first) public {
        cap = bound(cap, 2, 5 ether);
        first = bound(first, 1, cap - 1);
        _authorize(ETH, cap);

        _submit(_noPosts(), _tips(_keyTip(ETH, first)));
        assertEq(_spent(ETH), first, "spent after the first tip");

        IPennyPostRelayed.SignedTip memory over = _keyTip(ETH, cap - first + 1);
        Ledger memory before = _ledger(pennyPost, tipper, alice);
        _expectSkipped(tipper, over.nonce, IPennyPostRelayed.PennyPostSessionCapExceeded.selector);
        _submit(_noPosts(), _tips(over));
        _assertLedger(_ledger(pennyPost, tipper, alice), before, "over the cap");
        assertEq(_spent(ETH), first, "spent unchanged by a skipped action");

        _submit(_noPosts(), _tips(_keyTip(ETH, cap - first)));
        assertEq(_spent(ETH), cap, "spent reaches the cap exactly");
        assertEq(pennyPost.depositOf(tipper, ETH), 10 ether - cap, "deposit paid exactly the cap");
    }

    /// @notice Posts signed by a session key are charged the fee against the ETH cap.
    function test_post_chargesTheEthCap() public {
        _authorize(ETH, POST_FEE);
        IPennyPostRelayed.SignedPost memory p =
            _signPost(pennyPost, keyPk, _unsignedPost(tipper, 0, "via session key", 0));
        _submit(_posts(p), _noTips());
        assertEq(_spent(ETH), POST_FEE, "fee charged to the session");
        p = _signPost(pennyPost, keyPk, _unsignedPost(tipper, 0, "one too many", 1));
        _expectSkipped(tipper, 1, IPennyPostRelayed.PennyPostSessionCapExceeded.selector);
        _submit(_posts(p), _noTips());
    }

    /// @notice The cap is per asset: a key authorized for ETH signs no token tip (bad signature), and
    /// a token session's spending does not count against the ETH cap.
    function test_cap_isPerAsset() public {
        _authorize(ETH, 1 ether);
        IPennyPostRelayed.SignedTip memory t = _keyTip(address(token), 1e18);
        _expectSkipped(tipper, 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_noPosts(), _tips(t));

        _authorize(address(token), 2e18);
        _submit(_noPosts(), _tips(_keyTip(address(token), 2e18)));
        assertEq(_spent(address(token)), 2e18, "token session spent");
        assertEq(_spent(ETH), 0, "ETH session untouched");
        _submit(_noPosts(), _tips(_keyTip(ETH, 1 ether)));
        assertEq(_spent(ETH), 1 ether, "ETH cap still whole");
        assertEq(pennyPost.depositOf(tipper, address(token)), 8e18, "token deposit");
    }

    // ---------------------------------------------------------------- expiry and revocation

    /// @notice At `expiry` the key still signs; at `expiry + 1` its action is skipped with
    /// PennyPostSessionExpired and nothing moves.
    function testFuzz_expiryBoundary(uint256 expirySeed) public {
        expiry = bound(expirySeed, block.timestamp + 1, FAR - 1); // the tips' deadline is FAR
        _authorize(ETH, 1 ether);
        vm.warp(expiry);
        _submit(_noPosts(), _tips(_keyTip(ETH, 1)));
        assertEq(pennyPost.nonces(tipper), 1, "executes at expiry");

        vm.warp(expiry + 1);
        IPennyPostRelayed.SignedTip memory t = _keyTip(ETH, 1);
        Ledger memory before = _ledger(pennyPost, tipper, alice);
        _expectSkipped(tipper, 1, IPennyPostRelayed.PennyPostSessionExpired.selector);
        _submit(_noPosts(), _tips(t));
        _assertLedger(_ledger(pennyPost, tipper, alice), before, "expired");
    }

    /// @notice After `revokeSession` the key's signature is no one's: PennyPostBadSignature.
    function test_revoked_isSkipped() public {
        _authorize(ETH, 1 ether);
        IPennyPostRelayed.SignedTip memory t = _keyTip(ETH, 1);
        vm.expectEmit();
        emit IPennyPostRelayed.SessionRevoked(tipper, key, ETH);
        vm.prank(tipper);
        pennyPost.revokeSession(key, ETH);
        (uint256 cap,, uint256 exp) = pennyPost.session(tipper, key, ETH);
        assertEq(cap + exp, 0, "session cleared");

        Ledger memory before = _ledger(pennyPost, tipper, alice);
        _expectSkipped(tipper, 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_noPosts(), _tips(t));
        _assertLedger(_ledger(pennyPost, tipper, alice), before, "revoked");
    }

    /// @notice Re-authorizing a key resets what it spent (and sets the new cap and expiry).
    function test_reauthorize_resetsSpent() public {
        _authorize(ETH, 1 ether);
        _submit(_noPosts(), _tips(_keyTip(ETH, 0.6 ether)));
        assertEq(_spent(ETH), 0.6 ether, "spent");
        expiry += 1 days;
        vm.expectEmit();
        emit IPennyPostRelayed.SessionAuthorized(tipper, key, ETH, 1 ether, expiry);
        _authorize(ETH, 1 ether);
        (uint256 cap, uint256 spent, uint256 exp) = pennyPost.session(tipper, key, ETH);
        assertEq(spent, 0, "spent reset");
        assertEq(cap, 1 ether, "cap");
        assertEq(exp, expiry, "expiry");
        _submit(_noPosts(), _tips(_keyTip(ETH, 1 ether)));
        assertEq(_spent(ETH), 1 ether, "the whole cap again");
    }

    /// @notice A session of one account is nothing for another: bob's key cannot spend tipper's deposit.
    function test_sessionOfAnotherAccount_doesNotSpeak() public {
        vm.prank(bobSigner);
        pennyPost.authorizeSession(key, ETH, 1 ether, expiry);
        IPennyPostRelayed.SignedTip memory t = _keyTip(ETH, 1);
        _expectSkipped(tipper, 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_noPosts(), _tips(t));
    }

    // ---------------------------------------------------------------- authorizeSession's checks

    /// @notice Expiry now or in the past reverts PennyPostBadSession; so does a cap above 2^96 - 1,
    /// while 2^96 - 1 itself is accepted; the zero key reverts PennyPostZeroAddress.
    function testFuzz_authorizeSession_rejectsBadSessions(uint256 past, uint256 bigCap) public {
        vm.warp(1_000_000);
        past = bound(past, 0, block.timestamp);
        vm.expectRevert(IPennyPostRelayed.PennyPostBadSession.selector);
        vm.prank(tipper);
        pennyPost.authorizeSession(key, ETH, 1, past);

        bigCap = bound(bigCap, uint256(type(uint96).max) + 1, type(uint256).max);
        vm.expectRevert(IPennyPostRelayed.PennyPostBadSession.selector);
        vm.prank(tipper);
        pennyPost.authorizeSession(key, ETH, bigCap, block.timestamp + 1);

        vm.expectRevert(IPennyPost.PennyPostZeroAddress.selector);
        vm.prank(tipper);
        pennyPost.authorizeSession(address(0), ETH, 1, block.timestamp + 1);

        vm.prank(tipper);
        pennyPost.authorizeSession(key, ETH, type(uint96).max, block.timestamp + 1);
        (uint256 cap,,) = pennyPost.session(tipper, key, ETH);
        assertEq(cap, type(uint96).max, "2^96 - 1 accepted");
    }
}
