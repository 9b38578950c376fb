// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PennyPost} from "../../../contracts/PennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {PennyPostFixture} from "../utils/PennyPostFixture.sol";

/// @notice What every relayed-mode test starts from: the PennyPost fixture plus a relayer, a
/// sequencer the owner enabled, and helpers that sign EIP-712 actions with `vm.sign`. The digests are
/// rebuilt here from the typehashes of IPennyPostRelayed's comments and `eip712Domain()`, not taken
/// from the contract's `hashPost`/`hashTip` (a test checks that both agree).
abstract contract RelayedFixture is PennyPostFixture {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant POST_TYPEHASH = keccak256(
        "Post(address author,uint256 parentId,string content,uint256 maxFee,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant TIP_TYPEHASH = keccak256(
        "Tip(address tipper,uint256 postId,address author,address asset,uint256 amount,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant ANCHORED_POST_TYPEHASH =
        keccak256("AnchoredPost(address author,uint256 parentId,string content,uint256 seq,uint256 cumulativeFee)");
    bytes32 internal constant VOUCHER_TYPEHASH =
        keccak256("TipVoucher(address tipper,address asset,uint256 cumulativeAmount,bytes32 tipsHash)");
    /// @dev Order of the secp256k1 group.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant FAR = 1 << 40;
    uint256 internal constant DELAY = 1 hours;

    address internal relayer = address(0x4E1A7E);
    address internal sequencer = address(0x5E0);
    uint256 internal bobPk = 0xB0B0B;
    address internal bobSigner;

    /// @notice Everything a skipped action must leave as it was.
    struct Ledger {
        uint256 nonce;
        uint256 depositEth;
        uint256 depositToken;
        uint256 owedEth; // of the author / payee
        uint256 owedToken;
        uint256 relayerOwed;
        uint256 feesEth;
        uint256 feesToken;
        uint256 postCount;
        uint256 balanceEth;
        uint256 balanceToken;
    }

    function setUp() public virtual override {
        super.setUp();
        bobSigner = vm.addr(bobPk);
        vm.label(relayer, "relayer");
        vm.label(sequencer, "sequencer");
        vm.label(bobSigner, "bobSigner");
        vm.prank(owner);
        pennyPost.setSequencer(sequencer, true);
    }

    // ---------------------------------------------------------------- digests (rebuilt independently)

    function _domainSeparator(PennyPost pp) internal view returns (bytes32) {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            pp.eip712Domain();
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifyingContract)
        );
    }

    function _typed(PennyPost pp, bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(pp), structHash));
    }

    function _postDigest(PennyPost pp, IPennyPostRelayed.SignedPost memory p) internal view returns (bytes32) {
        return _typed(
            pp,
            keccak256(
                abi.encode(
                    POST_TYPEHASH, p.author, p.parentId, keccak256(bytes(p.content)), p.maxFee, p.nonce, p.deadline
                )
            )
        );
    }

    function _tipDigest(PennyPost pp, IPennyPostRelayed.SignedTip memory t) internal view returns (bytes32) {
        return _typed(
            pp,
            keccak256(
                abi.encode(TIP_TYPEHASH, t.tipper, t.postId, t.author, t.asset, t.amount, t.nonce, t.deadline)
            )
        );
    }

    function _anchoredDigest(PennyPost pp, IPennyPostRelayed.AnchoredFee memory f) internal view returns (bytes32) {
        return _typed(
            pp,
            keccak256(
                abi.encode(ANCHORED_POST_TYPEHASH, f.author, f.parentId, f.contentHash, f.seq, f.cumulativeFee)
            )
        );
    }

    function _voucherDigest(PennyPost pp, IPennyPostRelayed.Voucher memory v) internal view returns (bytes32) {
        return _typed(pp, keccak256(abi.encode(VOUCHER_TYPEHASH, v.tipper, v.asset, v.cumulativeAmount, v.tipsHash)));
    }

    function _sign(uint256 pk, bytes32 digest) internal returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev The same signature with s' = n - s and v flipped: valid for plain ecrecover, refused by OZ.
    function _malleate(bytes memory signature) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = _split(signature);
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    function _split(bytes memory signature) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
    }

    // ---------------------------------------------------------------- signed actions

    function _signedPost(uint256 pk, uint256 parentId, string memory content, uint256 nonce)
        internal
        returns (IPennyPostRelayed.SignedPost memory p)
    {
        return _signPost(pennyPost, pk, _unsignedPost(vm.addr(pk), parentId, content, nonce));
    }

    function _unsignedPost(address author, uint256 parentId, string memory content, uint256 nonce)
        internal
        pure
        returns (IPennyPostRelayed.SignedPost memory)
    {
        return IPennyPostRelayed.SignedPost(author, parentId, content, POST_FEE, nonce, FAR, "");
    }

    function _signPost(PennyPost pp, uint256 pk, IPennyPostRelayed.SignedPost memory p)
        internal
        returns (IPennyPostRelayed.SignedPost memory)
    {
        p.signature = _sign(pk, _postDigest(pp, p));
        return p;
    }

    function _signedTip(uint256 pk, uint256 postId, address author, address asset, uint256 amount, uint256 nonce)
        internal
        returns (IPennyPostRelayed.SignedTip memory)
    {
        return _signTip(pennyPost, pk, _unsignedTip(vm.addr(pk), postId, author, asset, amount, nonce));
    }

    function _unsignedTip(address tipper_, uint256 postId, address author, address asset, uint256 amount, uint256 nonce)
        internal
        pure
        returns (IPennyPostRelayed.SignedTip memory)
    {
        return IPennyPostRelayed.SignedTip(tipper_, postId, author, asset, amount, nonce, FAR, "");
    }

    function _signTip(PennyPost pp, uint256 pk, IPennyPostRelayed.SignedTip memory t)
        internal
        returns (IPennyPostRelayed.SignedTip memory)
    {
        t.signature = _sign(pk, _tipDigest(pp, t));
        return t;
    }

    function _posts(IPennyPostRelayed.SignedPost memory p)
        internal
        pure
        returns (IPennyPostRelayed.SignedPost[] memory list)
    {
        list = new IPennyPostRelayed.SignedPost[](1);
        list[0] = p;
    }

    function _tips(IPennyPostRelayed.SignedTip memory t) internal pure returns (IPennyPostRelayed.SignedTip[] memory list) {
        list = new IPennyPostRelayed.SignedTip[](1);
        list[0] = t;
    }

    function _noPosts() internal pure returns (IPennyPostRelayed.SignedPost[] memory) {
        return new IPennyPostRelayed.SignedPost[](0);
    }

    function _noTips() internal pure returns (IPennyPostRelayed.SignedTip[] memory) {
        return new IPennyPostRelayed.SignedTip[](0);
    }

    // ---------------------------------------------------------------- calls

    function _depositEth(PennyPost pp, address account, uint256 amount) internal {
        vm.deal(address(this), amount);
        pp.deposit{value: amount}(account);
    }

    function _depositToken(PennyPost pp, address account, uint256 amount) internal {
        _setTokenBalance(address(this), amount);
        token.approve(address(pp), amount);
        pp.depositToken(account, address(token), amount);
    }

    function _submit(IPennyPostRelayed.SignedPost[] memory posts, IPennyPostRelayed.SignedTip[] memory tips) internal {
        vm.prank(relayer);
        pennyPost.submitBatch(posts, tips);
    }

    function _expectSkipped(address account, uint256 nonce, bytes4 reason) internal {
        vm.expectEmit();
        emit IPennyPostRelayed.ActionSkipped(account, nonce, reason);
    }

    // ---------------------------------------------------------------- ledger snapshots

    /// @dev The state an action of `account` paying `payee` can touch, in `pp`.
    function _ledger(PennyPost pp, address account, address payee) internal view returns (Ledger memory l) {
        l.nonce = pp.nonces(account);
        l.depositEth = pp.depositOf(account, ETH);
        l.depositToken = pp.depositOf(account, address(token));
        l.owedEth = pp.owed(payee, ETH);
        l.owedToken = pp.owed(payee, address(token));
        l.relayerOwed = pp.owed(relayer, ETH) + pp.owed(sequencer, ETH);
        l.feesEth = pp.feesOwed(ETH);
        l.feesToken = pp.feesOwed(address(token));
        l.postCount = pp.postCount();
        l.balanceEth = address(pp).balance;
        l.balanceToken = token.balanceOf(address(pp));
    }

    function _assertLedger(Ledger memory actual, Ledger memory expected, string memory what) internal pure {
        assertEq(actual.nonce, expected.nonce, string.concat(what, ": nonce"));
        assertEq(actual.depositEth, expected.depositEth, string.concat(what, ": ETH deposit"));
        assertEq(actual.depositToken, expected.depositToken, string.concat(what, ": token deposit"));
        assertEq(actual.owedEth, expected.owedEth, string.concat(what, ": payee owed ETH"));
        assertEq(actual.owedToken, expected.owedToken, string.concat(what, ": payee owed token"));
        assertEq(actual.relayerOwed, expected.relayerOwed, string.concat(what, ": relayer owed"));
        assertEq(actual.feesEth, expected.feesEth, string.concat(what, ": ETH fees"));
        assertEq(actual.feesToken, expected.feesToken, string.concat(what, ": token fees"));
        assertEq(actual.postCount, expected.postCount, string.concat(what, ": postCount"));
        assertEq(actual.balanceEth, expected.balanceEth, string.concat(what, ": ETH balance"));
        assertEq(actual.balanceToken, expected.balanceToken, string.concat(what, ": token balance"));
    }

    /// @dev A private key in [1, n - 1] from a fuzzed seed.
    function _key(uint256 seed) internal pure returns (uint256) {
        return bound(seed, 1, SECP256K1_N - 1);
    }
}
