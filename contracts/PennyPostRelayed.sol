// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IPennyPostRelayed} from "./interfaces/IPennyPostRelayed.sol";
import {PennyPostDirect} from "./PennyPostDirect.sol";

/// @title PennyPostRelayed: deposits, signed actions, session keys, batches, anchors and vouchers
/// @notice See {IPennyPostRelayed} for the specification. Every relayed spend debits a deposit and
/// credits `_owed` / the fees of {PennyPostDirect} in the same call, so the ledger's conservation rule
/// extends to deposits unchanged.
/// @dev Inherits EIP712 after {PennyPostDirect}, so the direct mode's packed storage keeps its slots.
abstract contract PennyPostRelayed is IPennyPostRelayed, PennyPostDirect, EIP712 {
    // ---------------------------------------------------------------- constants

    /// @notice How long a deposit withdrawal waits: the window in which relayers settle what the
    /// account signed before it asked for its money back.
    uint256 public constant WITHDRAWAL_DELAY = 1 hours;
    /// @notice Most posts one anchored batch can reserve.
    uint256 public constant MAX_ANCHOR_POSTS = 1 << 20;

    bytes32 private constant _POST_TYPEHASH = keccak256(
        "Post(address author,uint256 parentId,string content,uint256 maxFee,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _TIP_TYPEHASH = keccak256(
        "Tip(address tipper,uint256 postId,address author,address asset,uint256 amount,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _ANCHORED_POST_TYPEHASH =
        keccak256("AnchoredPost(address author,uint256 parentId,string content,uint256 seq,uint256 cumulativeFee)");
    bytes32 private constant _VOUCHER_TYPEHASH =
        keccak256("TipVoucher(address tipper,address asset,uint256 cumulativeAmount,bytes32 tipsHash)");

    // ---------------------------------------------------------------- storage

    struct PendingWithdrawal {
        uint256 amount;
        uint256 unlockAt;
    }

    struct Session {
        uint96 cap;
        uint96 spent;
        uint64 expiry;
    }

    struct VoucherState {
        uint256 settled;
        bytes32 tipsHash;
    }

    struct Anchor {
        bytes32 root;
        uint64 firstPostId;
        uint32 count;
    }

    mapping(address account => mapping(address asset => uint256 amount)) private _deposits;
    mapping(address account => mapping(address asset => PendingWithdrawal)) private _withdrawals;
    mapping(address account => mapping(address key => mapping(address asset => Session))) private _sessions;
    mapping(address account => uint256 nonce) private _nonces;
    mapping(address author => uint256 paid) private _anchoredFeesPaid;
    mapping(address tipper => mapping(address asset => VoucherState)) private _vouchers;
    mapping(uint256 batchId => Anchor) private _anchors;
    mapping(address account => bool enabled) private _sequencers;
    uint256 private _anchorCount;

    constructor() EIP712("PennyPost", "1") {}

    modifier onlySequencer() {
        if (!_sequencers[msg.sender]) revert PennyPostNotSequencer(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- deposits

    /// @inheritdoc IPennyPostRelayed
    function deposit(address account) external payable whenNotPaused {
        _checkRecipient(account);
        if (msg.value == 0) revert PennyPostZeroDeposit();
        _deposits[account][ETH] += msg.value;
        emit Deposited(account, ETH, msg.value);
    }

    /// @inheritdoc IPennyPostRelayed
    function depositToken(address account, address token, uint256 amount) external whenNotPaused nonReentrant {
        _checkRecipient(account);
        if (!_accepted[token]) revert PennyPostTokenNotAccepted(token);
        if (amount == 0) revert PennyPostZeroDeposit();
        _pullToken(token, amount);
        _deposits[account][token] += amount;
        emit Deposited(account, token, amount);
    }

    /// @inheritdoc IPennyPostRelayed
    function requestDepositWithdrawal(address asset, uint256 amount) external {
        uint256 available = _deposits[msg.sender][asset];
        if (amount == 0 || amount > available) {
            revert PennyPostInsufficientDeposit(msg.sender, asset, available, amount);
        }
        uint256 unlockAt = block.timestamp + WITHDRAWAL_DELAY;
        _withdrawals[msg.sender][asset] = PendingWithdrawal(amount, unlockAt);
        emit DepositWithdrawalRequested(msg.sender, asset, amount, unlockAt);
    }

    /// @inheritdoc IPennyPostRelayed
    function cancelDepositWithdrawal(address asset) external {
        if (_withdrawals[msg.sender][asset].unlockAt == 0) revert PennyPostNoPendingWithdrawal(msg.sender, asset);
        delete _withdrawals[msg.sender][asset];
        emit DepositWithdrawalCancelled(msg.sender, asset);
    }

    /// @inheritdoc IPennyPostRelayed
    function completeDepositWithdrawal(address asset, address to) external whenNotPaused nonReentrant {
        _checkRecipient(to);
        (uint256 requested, uint256 unlockAt) = pendingWithdrawal(msg.sender, asset);
        if (unlockAt == 0) revert PennyPostNoPendingWithdrawal(msg.sender, asset);
        if (block.timestamp < unlockAt) revert PennyPostWithdrawalLocked(msg.sender, asset, unlockAt);
        delete _withdrawals[msg.sender][asset];
        uint256 amount = Math.min(requested, _deposits[msg.sender][asset]);
        if (amount == 0) revert PennyPostNothingToWithdraw(msg.sender, asset);
        _deposits[msg.sender][asset] -= amount;
        emit DepositWithdrawn(msg.sender, asset, to, amount);
        _send(asset, to, amount);
    }

    // ---------------------------------------------------------------- session keys and nonces

    /// @inheritdoc IPennyPostRelayed
    function authorizeSession(address key, address asset, uint256 cap, uint256 expiry) external {
        if (key == address(0)) revert PennyPostZeroAddress();
        if (expiry <= block.timestamp || expiry > type(uint64).max || cap > type(uint96).max) {
            revert PennyPostBadSession();
        }
        _sessions[msg.sender][key][asset] = Session(uint96(cap), 0, uint64(expiry));
        emit SessionAuthorized(msg.sender, key, asset, cap, expiry);
    }

    /// @inheritdoc IPennyPostRelayed
    function revokeSession(address key, address asset) external {
        delete _sessions[msg.sender][key][asset];
        emit SessionRevoked(msg.sender, key, asset);
    }

    /// @inheritdoc IPennyPostRelayed
    function cancelNonces(uint256 newNonce) external {
        uint256 current = _nonces[msg.sender];
        if (newNonce <= current) revert PennyPostNonceNotIncreasing(current, newNonce);
        _nonces[msg.sender] = newNonce;
        emit NoncesCancelled(msg.sender, newNonce);
    }

    // ---------------------------------------------------------------- batched mode

    /// @inheritdoc IPennyPostRelayed
    function submitBatch(SignedPost[] calldata posts, SignedTip[] calldata tips)
        external
        whenNotPaused
        nonReentrant
    {
        uint256 count = _postCount;
        uint256 fee = _postFee;
        uint256 relayerFees;
        uint256 skipped;
        uint256 executedPosts;
        // Each item's memory (the content copied for hashing and for the log) is dead once the item is
        // done: reusing it keeps memory expansion linear in the item size, not quadratic in the batch.
        uint256 freeMemory = _freeMemoryPointer();
        for (uint256 i; i < posts.length; ++i) {
            _resetFreeMemoryPointer(freeMemory);
            SignedPost calldata p = posts[i];
            bytes4 reason = _checkPost(p, count, fee);
            if (reason != 0) {
                emit ActionSkipped(p.author, p.nonce, reason);
                ++skipped;
                continue;
            }
            unchecked {
                _nonces[p.author] = p.nonce + 1; // p.nonce == _nonces[p.author] < 2^256 - 1 in practice
                ++count;
                ++executedPosts;
            }
            if (fee != 0) {
                _deposits[p.author][ETH] -= fee; // checked in _checkPost
                relayerFees += fee;
            }
            emit Posted(count, p.author, p.parentId, fee, p.content);
        }
        _postCount = SafeCast.toUint64(count);

        uint256 ethTipFees;
        uint256 executedTips;
        for (uint256 i; i < tips.length; ++i) {
            SignedTip calldata t = tips[i];
            bytes4 reason = _checkTip(t, count);
            if (reason != 0) {
                emit ActionSkipped(t.tipper, t.nonce, reason);
                ++skipped;
                continue;
            }
            unchecked {
                _nonces[t.tipper] = t.nonce + 1;
                ++executedTips;
            }
            _deposits[t.tipper][t.asset] -= t.amount; // checked in _checkTip
            uint256 tipFee = _creditTip(t.postId, t.tipper, t.author, t.asset, t.amount);
            if (t.asset == ETH) ethTipFees += tipFee;
        }
        if (ethTipFees != 0) _ethFeesOwed += SafeCast.toUint160(ethTipFees);
        if (relayerFees != 0) _owed[msg.sender][ETH] += relayerFees;
        emit BatchSubmitted(msg.sender, executedPosts, executedTips, skipped, relayerFees);
    }

    /// @dev Returns 0 if `p` can execute now (and then charges the session key, if one signed),
    /// otherwise the selector of the reason it cannot. The signature is checked last: it costs most.
    function _checkPost(SignedPost calldata p, uint256 count, uint256 fee) private returns (bytes4) {
        if (block.timestamp > p.deadline) return PennyPostExpired.selector;
        if (p.nonce != _nonces[p.author]) return PennyPostNonceMismatch.selector;
        uint256 length = bytes(p.content).length;
        if (length == 0) return PennyPostEmptyContent.selector;
        if (length > MAX_CONTENT_BYTES) return PennyPostContentTooLong.selector;
        if (p.parentId > count) return PennyPostUnknownPost.selector;
        if (fee > p.maxFee) return PennyPostFeeAboveMax.selector;
        if (_deposits[p.author][ETH] < fee) return PennyPostInsufficientDeposit.selector;
        bytes32 digest = _hashPost(p.author, p.parentId, keccak256(bytes(p.content)), p.maxFee, p.nonce, p.deadline);
        return _authorize(p.author, digest, p.signature, ETH, fee);
    }

    /// @dev As `_checkPost`, for a tip.
    function _checkTip(SignedTip calldata t, uint256 count) private returns (bytes4) {
        if (block.timestamp > t.deadline) return PennyPostExpired.selector;
        if (t.nonce != _nonces[t.tipper]) return PennyPostNonceMismatch.selector;
        if (t.amount == 0) return PennyPostZeroTip.selector;
        if (t.postId == 0 || t.postId > count) return PennyPostUnknownPost.selector;
        if (t.author == address(0)) return PennyPostZeroAddress.selector;
        if (t.asset != ETH && !_accepted[t.asset]) return PennyPostTokenNotAccepted.selector;
        bytes4 authorReason = _checkTippedAuthor(t.postId, t.author);
        if (authorReason != 0) return authorReason;
        if (_deposits[t.tipper][t.asset] < t.amount) return PennyPostInsufficientDeposit.selector;
        bytes32 digest = _hashTip(t.tipper, t.postId, t.author, t.asset, t.amount, t.nonce, t.deadline);
        return _authorize(t.tipper, digest, t.signature, t.asset, t.amount);
    }

    // ---------------------------------------------------------------- anchored mode

    /// @inheritdoc IPennyPostRelayed
    function anchor(bytes32 root, uint256 count, bytes calldata data)
        external
        whenNotPaused
        onlySequencer
        returns (uint256 batchId)
    {
        batchId = _anchor(root, count, keccak256(data), data);
    }

    /// @inheritdoc IPennyPostRelayed
    function anchorHash(bytes32 root, uint256 count, bytes32 dataHash)
        external
        whenNotPaused
        onlySequencer
        returns (uint256 batchId)
    {
        batchId = _anchor(root, count, dataHash, "");
    }

    function _anchor(bytes32 root, uint256 count, bytes32 dataHash, bytes memory data)
        private
        returns (uint256 batchId)
    {
        if (count == 0 || count > MAX_ANCHOR_POSTS) revert PennyPostBadAnchorCount(count);
        uint256 firstPostId = uint256(_postCount) + 1;
        _postCount = SafeCast.toUint64(firstPostId + count - 1);
        batchId = ++_anchorCount;
        _anchors[batchId] = Anchor(root, uint64(firstPostId), uint32(count));
        emit Anchored(batchId, msg.sender, root, firstPostId, count, dataHash, data);
    }

    /// @inheritdoc IPennyPostRelayed
    function settleAnchoredFees(AnchoredFee[] calldata fees) external whenNotPaused onlySequencer nonReentrant {
        uint256 credited;
        for (uint256 i; i < fees.length; ++i) {
            AnchoredFee calldata f = fees[i];
            uint256 paid = _anchoredFeesPaid[f.author];
            bytes4 reason;
            uint256 amount;
            if (f.cumulativeFee <= paid) {
                reason = PennyPostFeeAlreadySettled.selector;
            } else if (!_isAnchored(f)) {
                reason = PennyPostNotAnchored.selector;
            } else {
                amount = f.cumulativeFee - paid;
                if (_deposits[f.author][ETH] < amount) {
                    reason = PennyPostInsufficientDeposit.selector;
                } else {
                    bytes32 digest = _hashTypedDataV4(
                        keccak256(
                            abi.encode(
                                _ANCHORED_POST_TYPEHASH, f.author, f.parentId, f.contentHash, f.seq, f.cumulativeFee
                            )
                        )
                    );
                    reason = _authorize(f.author, digest, f.signature, ETH, amount);
                }
            }
            if (reason != 0) {
                emit ActionSkipped(f.author, f.seq, reason);
                continue;
            }
            _anchoredFeesPaid[f.author] = f.cumulativeFee;
            _deposits[f.author][ETH] -= amount;
            credited += amount;
            emit AnchoredFeesSettled(f.author, msg.sender, f.seq, f.cumulativeFee, amount);
        }
        if (credited != 0) _owed[msg.sender][ETH] += credited;
    }

    /// @dev Whether the post `f` names is leaf `f.index` of anchored batch `f.batchId` (false for an
    /// unknown batch: its count is 0).
    function _isAnchored(AnchoredFee calldata f) private view returns (bool) {
        return _inAnchor(_anchors[f.batchId], f.index, f.author, f.parentId, f.contentHash, f.proof);
    }

    /// @dev Whether the post (`author`, `parentId`, `contentHash`) is leaf `index` of anchor `a`.
    function _inAnchor(
        Anchor memory a,
        uint256 index,
        address author,
        uint256 parentId,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) private pure returns (bool) {
        return index < a.count && MerkleProof.verifyCalldata(proof, a.root, anchoredLeaf(index, author, parentId, contentHash));
    }

    // ---------------------------------------------------------------- vouchers

    /// @inheritdoc IPennyPostRelayed
    function settleVouchers(Voucher[] calldata vouchers) external whenNotPaused nonReentrant {
        uint256 ethTipFees;
        for (uint256 i; i < vouchers.length; ++i) {
            Voucher calldata v = vouchers[i];
            (bytes4 reason, uint256 amount) = _checkVoucher(v);
            if (reason != 0) {
                emit ActionSkipped(v.tipper, v.cumulativeAmount, reason);
                continue;
            }
            _vouchers[v.tipper][v.asset] = VoucherState(v.cumulativeAmount, v.tipsHash);
            _deposits[v.tipper][v.asset] -= amount; // checked in _checkVoucher
            uint256 fees;
            for (uint256 j; j < v.tips.length; ++j) {
                VoucherTip calldata t = v.tips[j];
                fees += _creditTip(t.postId, v.tipper, t.author, v.asset, t.amount);
            }
            if (v.asset == ETH) ethTipFees += fees;
            emit VoucherSettled(v.tipper, v.asset, v.cumulativeAmount, v.tipsHash, v.tips.length);
        }
        if (ethTipFees != 0) _ethFeesOwed += SafeCast.toUint160(ethTipFees);
    }

    /// @dev Returns (0, amount to debit) if `v` extends the settled chain, otherwise the reason.
    function _checkVoucher(Voucher calldata v) private returns (bytes4, uint256) {
        VoucherState storage state = _vouchers[v.tipper][v.asset];
        uint256 settled = state.settled;
        if (v.cumulativeAmount <= settled || v.tips.length == 0) return (PennyPostVoucherStale.selector, 0);
        if (v.asset != ETH && !_accepted[v.asset]) return (PennyPostTokenNotAccepted.selector, 0);
        uint256 count = _postCount;
        bytes32 h = state.tipsHash;
        uint256 sum;
        for (uint256 j; j < v.tips.length; ++j) {
            VoucherTip calldata t = v.tips[j];
            if (t.amount == 0 || t.author == address(0) || t.postId == 0 || t.postId > count) {
                return (PennyPostVoucherMismatch.selector, 0);
            }
            bytes4 authorReason = _checkTippedAuthor(t.postId, t.author);
            if (authorReason != 0) return (authorReason, 0);
            h = keccak256(abi.encode(h, t.postId, t.author, t.amount));
            sum += t.amount;
        }
        uint256 amount = v.cumulativeAmount - settled;
        if (h != v.tipsHash || sum != amount) return (PennyPostVoucherMismatch.selector, 0);
        if (_deposits[v.tipper][v.asset] < amount) return (PennyPostInsufficientDeposit.selector, 0);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(_VOUCHER_TYPEHASH, v.tipper, v.asset, v.cumulativeAmount, v.tipsHash))
        );
        return (_authorize(v.tipper, digest, v.signature, v.asset, amount), amount);
    }

    /// @dev 0 if `author` (not address(0)) can be credited a tip on post `postId`, otherwise the
    /// reason: PennyPost itself is owed nothing, and a direct post's stored author must match.
    function _checkTippedAuthor(uint256 postId, address author) private view returns (bytes4) {
        if (author == address(this)) return PennyPostSelfAddress.selector;
        address stored = _authorOf[postId];
        if (stored != address(0) && stored != author) return PennyPostAuthorMismatch.selector;
        return 0;
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IPennyPostRelayed
    function setSequencer(address account, bool enabled) external onlyOwner {
        if (account == address(0)) revert PennyPostZeroAddress();
        _sequencers[account] = enabled;
        emit SequencerSet(account, enabled);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPennyPostRelayed
    function depositOf(address account, address asset) external view returns (uint256) {
        return _deposits[account][asset];
    }

    /// @inheritdoc IPennyPostRelayed
    function pendingWithdrawal(address account, address asset)
        public
        view
        returns (uint256 amount, uint256 unlockAt)
    {
        PendingWithdrawal memory pending = _withdrawals[account][asset];
        // A pause stops settlements: the delay restarts in full when it ends.
        unlockAt = pending.unlockAt == 0 ? 0 : Math.max(pending.unlockAt, _unpausedAt + WITHDRAWAL_DELAY);
        return (pending.amount, unlockAt);
    }

    /// @inheritdoc IPennyPostRelayed
    function nonces(address account) external view returns (uint256) {
        return _nonces[account];
    }

    /// @inheritdoc IPennyPostRelayed
    function session(address account, address key, address asset)
        external
        view
        returns (uint256 cap, uint256 spent, uint256 expiry)
    {
        Session memory s = _sessions[account][key][asset];
        return (s.cap, s.spent, s.expiry);
    }

    /// @inheritdoc IPennyPostRelayed
    function anchoredFeesPaid(address author) external view returns (uint256) {
        return _anchoredFeesPaid[author];
    }

    /// @inheritdoc IPennyPostRelayed
    function voucherState(address tipper, address asset) external view returns (uint256 settled, bytes32 tipsHash) {
        VoucherState memory state = _vouchers[tipper][asset];
        return (state.settled, state.tipsHash);
    }

    /// @inheritdoc IPennyPostRelayed
    function anchorOf(uint256 batchId) external view returns (bytes32 root, uint256 firstPostId, uint256 count) {
        Anchor memory a = _knownAnchor(batchId);
        return (a.root, a.firstPostId, a.count);
    }

    /// @inheritdoc IPennyPostRelayed
    function anchorCount() external view returns (uint256) {
        return _anchorCount;
    }

    /// @inheritdoc IPennyPostRelayed
    function isSequencer(address account) external view returns (bool) {
        return _sequencers[account];
    }

    /// @inheritdoc IPennyPostRelayed
    function anchoredLeaf(uint256 index, address author, uint256 parentId, bytes32 contentHash)
        public
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(index, author, parentId, contentHash))));
    }

    /// @inheritdoc IPennyPostRelayed
    function verifyAnchoredPost(
        uint256 batchId,
        uint256 postId,
        address author,
        uint256 parentId,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Anchor memory a = _knownAnchor(batchId);
        // an id below the batch's first wraps around to an index past its count
        unchecked {
            return _inAnchor(a, postId - a.firstPostId, author, parentId, contentHash, proof);
        }
    }

    /// @inheritdoc IPennyPostRelayed
    function hashPost(address author, uint256 parentId, bytes32 contentHash, uint256 maxFee, uint256 nonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashPost(author, parentId, contentHash, maxFee, nonce, deadline);
    }

    /// @inheritdoc IPennyPostRelayed
    function hashTip(
        address tipper,
        uint256 postId,
        address author,
        address asset,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashTip(tipper, postId, author, asset, amount, nonce, deadline);
    }

    // ---------------------------------------------------------------- internal

    function _knownAnchor(uint256 batchId) private view returns (Anchor memory a) {
        a = _anchors[batchId];
        if (a.count == 0) revert PennyPostUnknownBatch(batchId);
    }

    function _freeMemoryPointer() private pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    /// @dev Frees every allocation made since `pointer` was read. Only for loops whose iterations keep
    /// no memory alive from one to the next.
    function _resetFreeMemoryPointer(uint256 pointer) private pure {
        assembly ("memory-safe") {
            mstore(0x40, pointer)
        }
    }

    function _hashPost(address author, uint256 parentId, bytes32 contentHash, uint256 maxFee, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(_POST_TYPEHASH, author, parentId, contentHash, maxFee, nonce, deadline)));
    }

    function _hashTip(
        address tipper,
        uint256 postId,
        address author,
        address asset,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_TIP_TYPEHASH, tipper, postId, author, asset, amount, nonce, deadline)));
    }

    /// @dev Credits a tip whose `amount` already left the tipper's deposit: `author` is owed the amount
    /// minus the tip fee. Token fees are credited here; the ETH fee is returned for the caller to add
    /// to `_ethFeesOwed` once per call.
    function _creditTip(uint256 postId, address tipper, address author, address asset, uint256 amount)
        private
        returns (uint256 fee)
    {
        fee = Math.mulDiv(amount, _tipFeeBps, _BPS);
        unchecked {
            _owed[author][asset] += amount - fee; // fee < amount, see PennyPostDirect._credit
        }
        if (fee != 0 && asset != ETH) _tokenFeesOwed[asset] += fee;
        emit Tipped(postId, tipper, author, asset, amount, fee);
    }

    /// @dev Whether `signature` over `digest` speaks for `account`, spending `spend` of `asset`: the
    /// account's own key, a live session key within its cap (which is then charged), or the account's
    /// ERC-1271 check. Returns 0 or the reason.
    function _authorize(address account, bytes32 digest, bytes calldata signature, address asset, uint256 spend)
        private
        returns (bytes4)
    {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError) {
            if (signer == account) return 0;
            Session storage s = _sessions[account][signer][asset];
            uint256 expiry = s.expiry;
            if (expiry != 0) {
                if (block.timestamp > expiry) return PennyPostSessionExpired.selector;
                uint256 spent = s.spent;
                if (spend > s.cap - spent) return PennyPostSessionCapExceeded.selector;
                s.spent = uint96(spent + spend); // <= cap < 2^96
                return 0;
            }
        }
        if (account.code.length != 0) {
            uint256 gasBefore = gasleft();
            if (SignatureChecker.isValidERC1271SignatureNowCalldata(account, digest, signature)) return 0;
            // A check that ran out of gas leaves at most 1/64 of the gas behind (EIP-150): revert the
            // whole batch rather than skip an action the relayer starved.
            if (gasleft() <= gasBefore / 63) revert PennyPostInsufficientGas();
        }
        return PennyPostBadSignature.selector;
    }
}
