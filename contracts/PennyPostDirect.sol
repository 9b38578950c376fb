// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IPennyPost} from "./interfaces/IPennyPost.sol";

/// @title PennyPostDirect: the ledger, and direct mode (one transaction per post)
/// @notice See {IPennyPost} for the specification and the money rules. {PennyPostRelayed} adds the
/// modes that scale on top of the same ledger; {PennyPost} is the deployable contract.
/// @dev Storage is packed for the hot path: `post` touches the slot holding `_paused` and
/// `_postCount` (it follows Ownable2Step's `_pendingOwner` and Pausable's `_paused`), the slot holding
/// `_postFee` and `_ethFeesOwed`, and one new slot for the author. Nothing else.
abstract contract PennyPostDirect is IPennyPost, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- constants

    /// @notice The asset id of ether.
    address public constant ETH = address(0);
    /// @notice Longest post, in bytes of UTF-8.
    uint256 public constant MAX_CONTENT_BYTES = 1024;
    /// @notice Highest posting fee the owner can set.
    uint256 public constant MAX_POST_FEE = 0.01 ether;
    /// @notice Highest tip fee the owner can set: 10%.
    uint256 public constant MAX_TIP_FEE_BPS = 1_000;
    uint256 internal constant _BPS = 10_000;

    // ---------------------------------------------------------------- storage

    // slot shared with `_pendingOwner` and `_paused`
    uint64 internal _postCount;
    uint16 internal _tipFeeBps;
    // one slot: what `post` reads and writes
    uint96 internal _postFee;
    uint160 internal _ethFeesOwed;

    address internal _treasury;
    // in the treasury's slot: when the contract was last unpaused (deposit withdrawals wait a full
    // WITHDRAWAL_DELAY after it, see PennyPostRelayed.completeDepositWithdrawal)
    uint64 internal _unpausedAt;
    mapping(uint256 postId => address author) internal _authorOf;
    mapping(address account => mapping(address asset => uint256 amount)) internal _owed;
    mapping(address token => uint256 amount) internal _tokenFeesOwed;
    mapping(address token => bool accepted) internal _accepted;

    // ---------------------------------------------------------------- constructor

    constructor(uint256 postFee_, uint256 tipFeeBps_, address treasury_) {
        _setTreasury(treasury_);
        _setPostFee(postFee_);
        _setTipFeeBps(tipFeeBps_);
    }

    // ---------------------------------------------------------------- posting

    /// @inheritdoc IPennyPost
    function post(uint256 parentId, string calldata content)
        external
        payable
        whenNotPaused
        returns (uint256 postId)
    {
        uint256 length = bytes(content).length;
        if (length == 0) revert PennyPostEmptyContent();
        if (length > MAX_CONTENT_BYTES) revert PennyPostContentTooLong(length, MAX_CONTENT_BYTES);
        uint256 fee = _postFee;
        if (msg.value != fee) revert PennyPostWrongFee(msg.value, fee);
        uint256 count = _postCount;
        if (parentId > count) revert PennyPostUnknownPost(parentId);

        // cannot overflow: one post per transaction, and 2^64 transactions will never happen
        unchecked {
            postId = count + 1;
        }
        _postCount = uint64(postId);
        _authorOf[postId] = msg.sender;
        // fee <= MAX_POST_FEE, and the sum of fees is bounded by all the ether there is (< 2^160 wei)
        if (fee != 0) _ethFeesOwed += uint160(fee);

        emit Posted(postId, msg.sender, parentId, fee, content);
    }

    // ---------------------------------------------------------------- tipping

    /// @inheritdoc IPennyPost
    function tip(uint256 postId) external payable whenNotPaused {
        _credit(postId, ETH, msg.value);
    }

    /// @inheritdoc IPennyPost
    function tipToken(uint256 postId, address token, uint256 amount) external whenNotPaused nonReentrant {
        _tipToken(postId, token, amount);
    }

    /// @inheritdoc IPennyPost
    function tipTokenWithPermit(
        uint256 postId,
        address token,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external whenNotPaused nonReentrant {
        if (!_accepted[token]) revert PennyPostTokenNotAccepted(token);
        // A permit seen in the mempool can be submitted by anyone first; its effect (the allowance)
        // is what counts, so a failed permit is ignored and `transferFrom` decides.
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _tipToken(postId, token, amount);
    }

    // ---------------------------------------------------------------- withdrawing

    /// @inheritdoc IPennyPost
    function withdraw(address asset) external {
        _withdraw(msg.sender, asset, msg.sender);
    }

    /// @inheritdoc IPennyPost
    function withdrawTo(address asset, address to) external {
        _checkRecipient(to);
        _withdraw(msg.sender, asset, to);
    }

    /// @inheritdoc IPennyPost
    function withdrawFees(address asset) external nonReentrant {
        address treasury_ = _treasury;
        if (msg.sender != treasury_ && msg.sender != owner()) revert PennyPostNotTreasury(msg.sender);
        uint256 amount = feesOwed(asset);
        if (amount == 0) revert PennyPostNothingToWithdraw(treasury_, asset);
        if (asset == ETH) _ethFeesOwed = 0;
        else _tokenFeesOwed[asset] = 0;
        emit FeesWithdrawn(treasury_, asset, amount);
        _send(asset, treasury_, amount);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IPennyPost
    function setPostFee(uint256 newFee) external onlyOwner {
        _setPostFee(newFee);
    }

    /// @inheritdoc IPennyPost
    function setTipFeeBps(uint256 newBps) external onlyOwner {
        _setTipFeeBps(newBps);
    }

    /// @inheritdoc IPennyPost
    function setTreasury(address newTreasury) external onlyOwner {
        _setTreasury(newTreasury);
    }

    /// @inheritdoc IPennyPost
    function setTokenAccepted(address token, bool accepted) external onlyOwner {
        if (token == address(0)) revert PennyPostZeroAddress();
        _accepted[token] = accepted;
        emit TokenAcceptanceSet(token, accepted);
    }

    /// @inheritdoc IPennyPost
    function pause() external onlyOwner {
        _pause();
    }

    /// @inheritdoc IPennyPost
    function unpause() external onlyOwner {
        _unpause();
        _unpausedAt = uint64(block.timestamp);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPennyPost
    function postCount() external view returns (uint256) {
        return _postCount;
    }

    /// @inheritdoc IPennyPost
    function authorOf(uint256 postId) external view returns (address) {
        return _directAuthor(postId);
    }

    /// @inheritdoc IPennyPost
    function owed(address account, address asset) external view returns (uint256) {
        return _owed[account][asset];
    }

    /// @inheritdoc IPennyPost
    function feesOwed(address asset) public view returns (uint256) {
        return asset == ETH ? _ethFeesOwed : _tokenFeesOwed[asset];
    }

    /// @inheritdoc IPennyPost
    function postFee() external view returns (uint256) {
        return _postFee;
    }

    /// @inheritdoc IPennyPost
    function tipFeeBps() external view returns (uint256) {
        return _tipFeeBps;
    }

    /// @inheritdoc IPennyPost
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IPennyPost
    function isTokenAccepted(address token) external view returns (bool) {
        return _accepted[token];
    }

    // ---------------------------------------------------------------- internal

    /// @dev Pulls `amount` of `token` from the caller and credits the tip. The caller holds the
    /// reentrancy lock, so crediting after the transfer is safe.
    function _tipToken(uint256 postId, address token, uint256 amount) private {
        if (!_accepted[token]) revert PennyPostTokenNotAccepted(token);
        if (amount == 0) revert PennyPostZeroTip();
        _directAuthor(postId);

        _pullToken(token, amount);
        _credit(postId, token, amount);
    }

    /// @dev Pulls exactly `amount` of `token` from the caller, or reverts (fee-on-transfer tokens).
    /// The caller must hold the reentrancy lock.
    function _pullToken(address token, uint256 amount) internal {
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = erc20.balanceOf(address(this)) - before;
        if (received != amount) revert PennyPostTokenTransferMismatch(token, amount, received);
    }

    /// @dev Splits a tip that has already arrived: the author is owed `amount - fee`, the treasury `fee`.
    function _credit(uint256 postId, address asset, uint256 amount) private {
        if (amount == 0) revert PennyPostZeroTip();
        address author = _directAuthor(postId);

        // Rounds down, so fee <= amount * MAX_TIP_FEE_BPS / 10_000 < amount and the subtraction is safe.
        uint256 fee = Math.mulDiv(amount, _tipFeeBps, _BPS);
        unchecked {
            _owed[author][asset] += amount - fee;
        }
        if (fee != 0) {
            if (asset == ETH) _ethFeesOwed += SafeCast.toUint160(fee);
            else _tokenFeesOwed[asset] += fee;
        }

        emit Tipped(postId, msg.sender, author, asset, amount, fee);
    }

    /// @dev The stored author of direct post `postId`; reverts for a relayed post (no stored author)
    /// and for an id that is no post.
    function _directAuthor(uint256 postId) private view returns (address author) {
        author = _authorOf[postId];
        if (author == address(0)) {
            if (postId != 0 && postId <= _postCount) revert PennyPostNotDirectPost(postId);
            revert PennyPostUnknownPost(postId);
        }
    }

    /// @dev An account money can be sent or credited to: neither address(0) nor this contract.
    function _checkRecipient(address to) internal view {
        if (to == address(0)) revert PennyPostZeroAddress();
        if (to == address(this)) revert PennyPostSelfAddress();
    }

    function _withdraw(address account, address asset, address to) private nonReentrant {
        uint256 amount = _owed[account][asset];
        if (amount == 0) revert PennyPostNothingToWithdraw(account, asset);
        _owed[account][asset] = 0;
        emit Withdrawn(account, asset, to, amount);
        _send(asset, to, amount);
    }

    function _send(address asset, address to, uint256 amount) internal {
        if (asset == ETH) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert PennyPostEthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    function _setPostFee(uint256 newFee) private {
        if (newFee > MAX_POST_FEE) revert PennyPostPostFeeTooHigh(newFee, MAX_POST_FEE);
        emit PostFeeSet(_postFee, newFee);
        _postFee = uint96(newFee); // MAX_POST_FEE < 2^96
    }

    function _setTipFeeBps(uint256 newBps) private {
        if (newBps > MAX_TIP_FEE_BPS) revert PennyPostTipFeeTooHigh(newBps, MAX_TIP_FEE_BPS);
        emit TipFeeSet(_tipFeeBps, newBps);
        _tipFeeBps = uint16(newBps); // MAX_TIP_FEE_BPS < 2^16
    }

    function _setTreasury(address newTreasury) private {
        _checkRecipient(newTreasury);
        emit TreasurySet(_treasury, newTreasury);
        _treasury = newTreasury;
    }
}
