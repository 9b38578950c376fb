// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PennyPost: every post a paid microtransaction, every tip a pull payment
/// @notice This interface is the specification. Implementations use `@inheritdoc`.
///
/// Money rules (hold after any sequence of calls, for ETH and for every token):
///  - conservation: `balance(asset) == Σ owed(account, asset) + feesOwed(asset)`, exactly. (Only a
///    transfer that bypasses the contract's code, such as ether forced in by `selfdestruct`, can make
///    the left side larger; such a surplus is owed to no one and stays in the contract.)
///  - every tip splits exactly: `fee + authorShare == amount`, `fee = amount * tipFeeBps / 10_000`
///    rounded down (so rounding always favours the author);
///  - pull payments: a tip only credits balances; owners withdraw. One failing receiver blocks no one.
///
/// Assets are named by address; `address(0)` (the constant `ETH`) is ether.
///
///  - no money is ever owed to the contract itself: it cannot be the treasury, a withdrawal's
///    recipient, a deposit's account or a tipped author (`PennyPostSelfAddress`).
///
/// Token rule: only tokens the owner has accepted with `setTokenAccepted` can be tipped or deposited,
/// in every mode (a direct tip reverts; a batched tip or a voucher in a token delisted after it was
/// signed is skipped with `PennyPostTokenNotAccepted`). An accepted
/// token must be a plain ERC-20: the amount that arrives equals the amount sent (fee-on-transfer
/// tokens are rejected at tip time with `PennyPostTokenTransferMismatch`), balances do not change
/// without transfers (no rebasing), and transfers do not call back (hooks are also blocked by the
/// reentrancy guard). Tokens that return no bool on transfer are fine (SafeERC20). Withdrawing a
/// balance never requires the token to still be accepted.
interface IPennyPost {
    // ---------------------------------------------------------------- errors

    /// @notice `post` was called with `paid` wei, but the posting fee is exactly `required` wei.
    error PennyPostWrongFee(uint256 paid, uint256 required);

    /// @notice A post's content must hold at least one byte.
    error PennyPostEmptyContent();

    /// @notice A post's content is `length` bytes long; at most `maxLength` bytes are allowed.
    error PennyPostContentTooLong(uint256 length, uint256 maxLength);

    /// @notice No post has id `postId` (ids run from 1 to `postCount()`).
    error PennyPostUnknownPost(uint256 postId);

    /// @notice A tip must be worth at least one unit of its asset.
    error PennyPostZeroTip();

    /// @notice `token` is not on the accepted list (see `setTokenAccepted`), or is `address(0)`
    /// where a token was required.
    error PennyPostTokenNotAccepted(address token);

    /// @notice The token moved `received` units into the contract where `expected` were sent: a
    /// fee-on-transfer or otherwise non-standard token, which PennyPost does not accept.
    error PennyPostTokenTransferMismatch(address token, uint256 expected, uint256 received);

    /// @notice `account` is owed nothing in `asset`.
    error PennyPostNothingToWithdraw(address account, address asset);

    /// @notice Sending `amount` wei to `to` failed; the balance stays owed and can be withdrawn to
    /// another address with `withdrawTo`.
    error PennyPostEthTransferFailed(address to, uint256 amount);

    /// @notice The posting fee `fee` is above the constant maximum `maxFee`.
    error PennyPostPostFeeTooHigh(uint256 fee, uint256 maxFee);

    /// @notice The tip fee `bps` is above the constant maximum `maxBps`.
    error PennyPostTipFeeTooHigh(uint256 bps, uint256 maxBps);

    /// @notice An address that must be set (treasury, withdrawal recipient) was `address(0)`.
    error PennyPostZeroAddress();

    /// @notice PennyPost itself cannot receive money it holds (a treasury, withdrawal recipient,
    /// deposit account or tipped author): what it sent itself would be owed to no one.
    error PennyPostSelfAddress();

    /// @notice Post `postId` exists but was relayed (batched or anchored): the chain stores no
    /// author for it, so it cannot be tipped directly. Tip it with a signed `Tip` in a batch or a
    /// voucher, naming its author (see {IPennyPostRelayed}).
    error PennyPostNotDirectPost(uint256 postId);

    /// @notice Only the treasury or the owner may trigger a fee withdrawal.
    error PennyPostNotTreasury(address caller);

    // ---------------------------------------------------------------- events

    /// @notice A post was published.
    /// @dev Indexer invariants: post ids start at 1 and increase by exactly one per `Posted`; two
    /// `Posted` events never carry the same id; `parentId` is 0 for a top-level post, otherwise the
    /// id of an earlier post; `fee` equals `postFee()` at the time; for a direct post it is owed
    /// to the treasury (`feesOwed(ETH)` grows by `fee`), for a batched post (`submitBatch`) to the
    /// relayer that submitted it (`owed(relayer, ETH)` grows by `fee`); `content` is the UTF-8 text, 1..MAX_CONTENT_BYTES bytes.
    event Posted(uint256 indexed postId, address indexed author, uint256 indexed parentId, uint256 fee, string content);

    /// @notice A post was tipped `amount` units of `asset` (`ETH` = address(0)).
    /// @dev Exactly one `Tipped` per tip. `author` is credited `amount - fee` (`owed(author, asset)`
    /// grows by it) and the treasury `fee` (`feesOwed(asset)` grows by it). `fee <= amount` always.
    event Tipped(
        uint256 indexed postId, address indexed tipper, address indexed author, address asset, uint256 amount, uint256 fee
    );

    /// @notice `account` withdrew `amount` of `asset` to `to`; `owed(account, asset)` became 0.
    event Withdrawn(address indexed account, address indexed asset, address indexed to, uint256 amount);

    /// @notice The treasury `treasury` was paid `amount` of accrued fees in `asset`; `feesOwed(asset)`
    /// became 0.
    event FeesWithdrawn(address indexed treasury, address indexed asset, uint256 amount);

    /// @notice The posting fee changed; later posts pay `newFee`.
    event PostFeeSet(uint256 oldFee, uint256 newFee);

    /// @notice The tip fee changed; later tips pay `newBps` basis points.
    event TipFeeSet(uint256 oldBps, uint256 newBps);

    /// @notice Fees accrued from now on are paid to `newTreasury` (including fees already accrued:
    /// fees belong to whoever is treasury when they are withdrawn).
    event TreasurySet(address indexed oldTreasury, address indexed newTreasury);

    /// @notice `token` can (`accepted` = true) or can no longer be tipped. Balances already owed in
    /// it stay withdrawable either way.
    event TokenAcceptanceSet(address indexed token, bool accepted);

    // ---------------------------------------------------------------- posting

    /// @notice Publishes `content` (UTF-8, 1..MAX_CONTENT_BYTES bytes), as a reply to `parentId`, or
    /// top-level when `parentId` is 0. `msg.value` must equal `postFee()` exactly.
    /// @return postId The new post's id: `postCount()` after the call.
    function post(uint256 parentId, string calldata content) external payable returns (uint256 postId);

    // ---------------------------------------------------------------- tipping

    /// @notice Tips post `postId` with `msg.value` wei. Only direct posts (whose author is stored)
    /// can be tipped this way; a relayed post reverts with `PennyPostNotDirectPost`.
    function tip(uint256 postId) external payable;

    /// @notice Tips post `postId` with `amount` of the accepted `token`, pulled with `transferFrom`
    /// (approve first).
    function tipToken(uint256 postId, address token, uint256 amount) external;

    /// @notice As `tipToken`, with an EIP-2612 permit for the allowance in the same transaction. If
    /// the permit was already used (for example front-run by someone who saw it in the mempool), the
    /// tip still goes through as long as the allowance is there.
    function tipTokenWithPermit(
        uint256 postId,
        address token,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    // ---------------------------------------------------------------- withdrawing

    /// @notice Pays the caller everything they are owed in `asset`.
    function withdraw(address asset) external;

    /// @notice Pays everything the caller is owed in `asset` to `to` (for example when the caller is a
    /// contract that cannot receive ether).
    function withdrawTo(address asset, address to) external;

    /// @notice Pays every fee accrued in `asset` to the treasury. Callable by the treasury or the owner.
    function withdrawFees(address asset) external;

    // ---------------------------------------------------------------- admin (owner only)

    /// @notice Sets the posting fee, at most MAX_POST_FEE wei (0 makes posting free).
    function setPostFee(uint256 newFee) external;

    /// @notice Sets the tip fee in basis points, at most MAX_TIP_FEE_BPS.
    function setTipFeeBps(uint256 newBps) external;

    /// @notice Sets the address that receives fees (not `address(0)`, not PennyPost itself).
    function setTreasury(address newTreasury) external;

    /// @notice Accepts (or stops accepting) `token` for tips. See the token rule above.
    function setTokenAccepted(address token, bool accepted) external;

    /// @notice Stops posting, tipping and every settlement. Withdrawals of what is owed stay open so
    /// that no one's money is locked; deposit withdrawals can be requested but complete only once
    /// unpaused, and no sooner than WITHDRAWAL_DELAY after the unpause (see {IPennyPostRelayed}).
    function pause() external;

    /// @notice Resumes posting and tipping.
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice Number of posts so far; also the id of the newest post.
    function postCount() external view returns (uint256);

    /// @notice Author of direct post `postId`; reverts with `PennyPostUnknownPost` if there is no such
    /// post, `PennyPostNotDirectPost` if it is a relayed one (the chain stores no author for it).
    function authorOf(uint256 postId) external view returns (address);

    /// @notice What `account` can withdraw in `asset`.
    function owed(address account, address asset) external view returns (uint256);

    /// @notice Fees accrued to the treasury in `asset` and not yet withdrawn.
    function feesOwed(address asset) external view returns (uint256);

    /// @notice Current posting fee in wei.
    function postFee() external view returns (uint256);

    /// @notice Current tip fee in basis points.
    function tipFeeBps() external view returns (uint256);

    /// @notice Address that receives the fees.
    function treasury() external view returns (address);

    /// @notice Whether `token` can be tipped.
    function isTokenAccepted(address token) external view returns (bool);
}
