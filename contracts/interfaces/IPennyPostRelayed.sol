// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PennyPost's write modes that scale: deposits, signed actions, session keys, batches,
/// Merkle anchors and tip vouchers
/// @notice This interface is the specification of everything a relayed user and a relayer need. It
/// extends the ledger of {IPennyPost}; its money rules hold here too, with deposits added:
///  - conservation: `balance(asset) == Σ owed(account, asset) + feesOwed(asset) + Σ depositOf(account, asset)`;
///  - every relayed spend moves an amount out of one deposit and into balances (`owed`, `feesOwed`)
///    in the same call, so debits == credits + fees, exactly;
///  - nothing is spent from a deposit without a signature of the account (or of one of its session
///    keys, within the key's cap and before its expiry) over that exact spend.
///
/// Signatures are EIP-712 over the domain {name: "PennyPost", version: "1", chainId, verifyingContract}.
/// An account signs with its own key (ECDSA, low-s only), as an ERC-1271 contract wallet, or through a
/// session key it authorized with `authorizeSession`.
///
/// Write modes:
///  - batched: `submitBatch` carries signed `Post` and `Tip` actions; each is checked on chain and
///    either executed or skipped with `ActionSkipped` (never reverting the batch). Anyone may submit;
///    the submitter (the relayer) is credited the posting fees of the posts it carries.
///  - anchored: a sequencer commits a Merkle root of signed `AnchoredPost`s per batch, with the batch
///    data in calldata (`anchor`) or only its hash (`anchorHash`). Post ids are reserved for the batch.
///    Posting fees are settled later from deposits with `settleAnchoredFees`: one signature per author
///    covers every post up to its cumulative fee.
///  - vouchers: a tipper signs cumulative `TipVoucher`s that commit to the hash chain of all its tips;
///    `settleVouchers` pays the tips since the last settlement with one signature check per voucher.
///
/// Skip reasons are the selectors of the errors below: `ActionSkipped(..., PennyPostNonceMismatch.selector)`.
interface IPennyPostRelayed {
    // ---------------------------------------------------------------- types

    /// @notice A post signed for batched mode. EIP-712 type:
    /// `Post(address author,uint256 parentId,string content,uint256 maxFee,uint256 nonce,uint256 deadline)`.
    /// Costs the current `postFee()` (at most `maxFee`) from the author's ETH deposit.
    struct SignedPost {
        address author;
        uint256 parentId;
        string content;
        uint256 maxFee;
        uint256 nonce;
        uint256 deadline;
        bytes signature;
    }

    /// @notice A tip signed for batched mode. EIP-712 type:
    /// `Tip(address tipper,uint256 postId,address author,address asset,uint256 amount,uint256 nonce,uint256 deadline)`.
    /// Moves `amount` of `asset` from the tipper's deposit: `author` is credited the amount minus the tip fee.
    /// The tipper names the author it pays (relayed posts store no author on chain); when the post is a
    /// direct one, whose author is stored, the two must match.
    /// The author is neither `address(0)` nor PennyPost (`PennyPostSelfAddress`), and a token
    /// `asset` must still be accepted when the tip executes (`PennyPostTokenNotAccepted`). The chain
    /// cannot check the author of an anchored post (only its leaf is on chain): a client verifies it
    /// against the batch's root before signing (lib/verify-anchored.ts).
    struct SignedTip {
        address tipper;
        uint256 postId;
        address author;
        address asset;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
        bytes signature;
    }

    /// @notice The newest anchored post of `author` that the settlement pays up to. The author signed
    /// EIP-712 `AnchoredPost(address author,uint256 parentId,string content,uint256 seq,uint256 cumulativeFee)`;
    /// `contentHash` is `keccak256(bytes(content))`, which is what EIP-712 signs for a string.
    /// `cumulativeFee` is what the author agrees to have paid in posting fees for its anchored posts
    /// 1..`seq`, in wei of ETH.
    /// The post must be anchored: `proof` is the Merkle proof of the leaf
    /// `anchoredLeaf(index, author, parentId, contentHash)` in anchored batch `batchId` (position
    /// `index`), so that no fee is ever paid for a post that was not published. (The leaf does not
    /// carry `seq`: an author who signed two posts with the same parent and content, only one of them
    /// anchored, can be charged up to the larger of their two cumulative fees.)
    struct AnchoredFee {
        address author;
        uint256 parentId;
        bytes32 contentHash;
        uint256 seq;
        uint256 cumulativeFee;
        bytes signature;
        uint256 batchId;
        uint256 index;
        bytes32[] proof;
    }

    /// @notice One tip inside a voucher's hash chain.
    struct VoucherTip {
        uint256 postId;
        address author;
        uint256 amount;
    }

    /// @notice A cumulative tip voucher. EIP-712 type:
    /// `TipVoucher(address tipper,address asset,uint256 cumulativeAmount,bytes32 tipsHash)`.
    /// `tipsHash` is the last link of the chain `h_0 = 0`, `h_i = keccak256(abi.encode(h_{i-1}, postId_i,
    /// author_i, amount_i))` over every tip the tipper ever made in `asset`, and `cumulativeAmount` is the
    /// sum of their amounts. `tips` are the links after the last settled one. As for `SignedTip`: no
    /// author is `address(0)` or PennyPost, and a token `asset` must still be accepted.
    struct Voucher {
        address tipper;
        address asset;
        uint256 cumulativeAmount;
        bytes32 tipsHash;
        bytes signature;
        VoucherTip[] tips;
    }

    // ---------------------------------------------------------------- errors (also skip reasons)

    /// @notice Nothing to deposit: the amount was 0.
    error PennyPostZeroDeposit();

    /// @notice `account` has `available` of `asset` in deposit where `needed` is required.
    error PennyPostInsufficientDeposit(address account, address asset, uint256 available, uint256 needed);

    /// @notice The pending withdrawal of `asset` by `account` unlocks at `unlockAt` (a timestamp).
    error PennyPostWithdrawalLocked(address account, address asset, uint256 unlockAt);

    /// @notice `account` has no pending withdrawal of `asset`.
    error PennyPostNoPendingWithdrawal(address account, address asset);

    /// @notice The signature is neither the account's, nor a live session key's, nor accepted by the
    /// account's ERC-1271 `isValidSignature`.
    error PennyPostBadSignature(address account);

    /// @notice The action's nonce is `got`, the account's next nonce is `expected`.
    error PennyPostNonceMismatch(address account, uint256 expected, uint256 got);

    /// @notice The action's deadline `deadline` has passed.
    error PennyPostExpired(uint256 deadline);

    /// @notice The posting fee `fee` is above the `maxFee` the author signed.
    error PennyPostFeeAboveMax(uint256 fee, uint256 maxFee);

    /// @notice Post `postId` is a direct post by `author`, not by the author the tip names.
    error PennyPostAuthorMismatch(uint256 postId, address author);

    /// @notice The session key `key` of `account` expired at `expiry`.
    error PennyPostSessionExpired(address account, address key, uint256 expiry);

    /// @notice Spending `amount` more would take the session key `key` of `account` past its cap.
    error PennyPostSessionCapExceeded(address account, address key, uint256 spent, uint256 amount, uint256 cap);

    /// @notice A session key's expiry must be in the future and its cap must fit in 96 bits.
    error PennyPostBadSession();

    /// @notice The voucher does not extend what is already settled: its cumulative amount is `got`,
    /// already settled is `settled` (a stale or replayed voucher).
    error PennyPostVoucherStale(address tipper, address asset, uint256 settled, uint256 got);

    /// @notice The tips given do not chain from the settled hash to the voucher's `tipsHash`, or do not
    /// add up to its cumulative amount.
    error PennyPostVoucherMismatch(address tipper, address asset);

    /// @notice A settlement for `author` does not raise its paid fees (`paid` already, `got` signed).
    error PennyPostFeeAlreadySettled(address author, uint256 paid, uint256 got);

    /// @notice Only an address the owner made a sequencer can anchor batches and settle anchored fees.
    error PennyPostNotSequencer(address caller);

    /// @notice An anchored batch must reserve between 1 and MAX_ANCHOR_POSTS posts.
    error PennyPostBadAnchorCount(uint256 count);

    /// @notice No anchored batch has id `batchId`.
    error PennyPostUnknownBatch(uint256 batchId);

    /// @notice The post a fee settlement names is not in the anchored batch it names (wrong proof,
    /// index or batch): no fee is paid for a post that was not published.
    error PennyPostNotAnchored(address author, uint256 seq);

    /// @notice The relayer gave an ERC-1271 check too little gas: the whole batch reverts instead of
    /// skipping an action that could have been valid.
    error PennyPostInsufficientGas();

    /// @notice Nonces only move forward: the account's nonce is `current`.
    error PennyPostNonceNotIncreasing(uint256 current, uint256 requested);

    // ---------------------------------------------------------------- events

    /// @notice `amount` of `asset` was added to the deposit of `account`.
    event Deposited(address indexed account, address indexed asset, uint256 amount);

    /// @notice `account` asked to withdraw `amount` of its `asset` deposit, possible from `unlockAt` on.
    /// Until then the deposit still pays settlements that are due (relayers watch this event).
    event DepositWithdrawalRequested(address indexed account, address indexed asset, uint256 amount, uint256 unlockAt);

    /// @notice `account` cancelled its pending withdrawal of `asset`.
    event DepositWithdrawalCancelled(address indexed account, address indexed asset);

    /// @notice `amount` of the `asset` deposit of `account` was paid out to `to`.
    event DepositWithdrawn(address indexed account, address indexed asset, address indexed to, uint256 amount);

    /// @notice `account` let `key` sign for it and spend up to `cap` of `asset` until `expiry`.
    event SessionAuthorized(address indexed account, address indexed key, address indexed asset, uint256 cap, uint256 expiry);

    /// @notice `key` can no longer sign for `account` in `asset`.
    event SessionRevoked(address indexed account, address indexed key, address indexed asset);

    /// @notice `account` moved its nonce forward to `newNonce`, cancelling every unused action below it.
    event NoncesCancelled(address indexed account, uint256 newNonce);

    /// @notice A signed action was not executed. `reason` is the selector of the error that says why;
    /// `nonce` is the action's nonce (for a voucher: its cumulative amount; for an anchored fee: its seq).
    /// Nothing of the action happened and its nonce stays unused.
    event ActionSkipped(address indexed account, uint256 indexed nonce, bytes4 reason);

    /// @notice `relayer` submitted a batch: `posts` posts and `tips` tips were executed, `skipped`
    /// actions skipped; it was credited `relayerFees` wei. Emitted after the batch's `Posted`/`Tipped`.
    event BatchSubmitted(address indexed relayer, uint256 posts, uint256 tips, uint256 skipped, uint256 relayerFees);

    /// @notice A sequencer anchored batch `batchId`: posts `firstPostId`..`firstPostId + count - 1`
    /// are the leaves 0..`count - 1` of the Merkle tree with root `root`. `dataHash` is keccak256 of the batch data;
    /// `data` is the batch data itself in calldata mode and empty in hash mode.
    event Anchored(
        uint256 indexed batchId,
        address indexed sequencer,
        bytes32 root,
        uint256 firstPostId,
        uint256 count,
        bytes32 dataHash,
        bytes data
    );

    /// @notice `author` paid `amount` wei of posting fees for its anchored posts up to `seq`
    /// (cumulatively `cumulativeFee`), credited to `sequencer`.
    event AnchoredFeesSettled(address indexed author, address indexed sequencer, uint256 seq, uint256 cumulativeFee, uint256 amount);

    /// @notice A voucher of `tipper` in `asset` was settled up to `cumulativeAmount` / `tipsHash`;
    /// one `Tipped` per tip precedes it.
    event VoucherSettled(address indexed tipper, address indexed asset, uint256 cumulativeAmount, bytes32 tipsHash, uint256 tips);

    /// @notice `account` is (`enabled`) or is no longer a sequencer.
    event SequencerSet(address indexed account, bool enabled);

    // ---------------------------------------------------------------- deposits

    /// @notice Adds `msg.value` wei to the ETH deposit of `account` (not `address(0)`, not PennyPost).
    function deposit(address account) external payable;

    /// @notice Adds `amount` of the accepted `token` (pulled with `transferFrom`) to the deposit of `account`.
    function depositToken(address account, address token, uint256 amount) external;

    /// @notice Starts the withdrawal of `amount` of the caller's `asset` deposit; it can be completed
    /// WITHDRAWAL_DELAY seconds later. A new request replaces the pending one and restarts the delay.
    function requestDepositWithdrawal(address asset, uint256 amount) external;

    /// @notice Cancels the caller's pending withdrawal of `asset`.
    function cancelDepositWithdrawal(address asset) external;

    /// @notice Completes the caller's pending withdrawal of `asset`, paying `to` the requested amount or
    /// what is left of the deposit if settlements spent some of it meanwhile. Reverts while paused,
    /// and with `PennyPostWithdrawalLocked` before the unlock time `pendingWithdrawal` reports: the
    /// later of the request's unlock time and WITHDRAWAL_DELAY after the last unpause, so that
    /// relayers always get a full delay in which settlements can run, even across a pause.
    function completeDepositWithdrawal(address asset, address to) external;

    // ---------------------------------------------------------------- session keys and nonces

    /// @notice Lets `key` sign actions for the caller that spend up to `cap` of `asset` in total, until
    /// `expiry` (a timestamp). Replaces any earlier authorization of `key` for `asset` (spent restarts at 0).
    function authorizeSession(address key, address asset, uint256 cap, uint256 expiry) external;

    /// @notice Revokes `key` for `asset` at once: nothing it signed settles any more.
    function revokeSession(address key, address asset) external;

    /// @notice Moves the caller's nonce forward to `newNonce`, cancelling its unused signed actions.
    function cancelNonces(uint256 newNonce) external;

    // ---------------------------------------------------------------- relayed modes

    /// @notice Executes signed posts, then signed tips, skipping invalid ones with `ActionSkipped`.
    function submitBatch(SignedPost[] calldata posts, SignedTip[] calldata tips) external;

    /// @notice Anchors a batch of `count` posts whose Merkle root is `root`, with the batch data in
    /// calldata. Only sequencers. Returns the batch id.
    function anchor(bytes32 root, uint256 count, bytes calldata data) external returns (uint256 batchId);

    /// @notice As `anchor`, with only the hash of the batch data on chain (the sequencer keeps the data).
    function anchorHash(bytes32 root, uint256 count, bytes32 dataHash) external returns (uint256 batchId);

    /// @notice Debits each author's ETH deposit for its anchored posts up to the signed cumulative fee
    /// and credits the caller. Only sequencers. Invalid items are skipped.
    function settleAnchoredFees(AnchoredFee[] calldata fees) external;

    /// @notice Settles tip vouchers: pays every tip since each voucher's last settlement from the
    /// tipper's deposit. Anyone may call. Invalid vouchers are skipped.
    function settleVouchers(Voucher[] calldata vouchers) external;

    /// @notice Makes `account` a sequencer or not. Owner only.
    function setSequencer(address account, bool enabled) external;

    // ---------------------------------------------------------------- views

    /// @notice The `asset` deposit of `account` (including any amount pending withdrawal).
    function depositOf(address account, address asset) external view returns (uint256);

    /// @notice The pending withdrawal of `account` in `asset` (0, 0 if none); `unlockAt` is when it can
    /// complete (see `completeDepositWithdrawal`).
    function pendingWithdrawal(address account, address asset) external view returns (uint256 amount, uint256 unlockAt);

    /// @notice The next nonce `account` must sign for a batched action.
    function nonces(address account) external view returns (uint256);

    /// @notice The session of `key` for `account` in `asset`.
    function session(address account, address key, address asset)
        external
        view
        returns (uint256 cap, uint256 spent, uint256 expiry);

    /// @notice Cumulative posting fees `author` has paid for anchored posts.
    function anchoredFeesPaid(address author) external view returns (uint256);

    /// @notice What is settled of `tipper`'s vouchers in `asset`: the cumulative amount and hash.
    function voucherState(address tipper, address asset) external view returns (uint256 settled, bytes32 tipsHash);

    /// @notice Anchored batch `batchId`: its root and the posts it reserved.
    function anchorOf(uint256 batchId) external view returns (bytes32 root, uint256 firstPostId, uint256 count);

    /// @notice Number of anchored batches; ids run from 1.
    function anchorCount() external view returns (uint256);

    /// @notice Whether `account` is a sequencer.
    function isSequencer(address account) external view returns (bool);

    /// @notice The Merkle leaf of the anchored post at position `index` of its batch (its id is the
    /// batch's `firstPostId + index`):
    /// `keccak256(bytes.concat(keccak256(abi.encode(index, author, parentId, contentHash))))`.
    /// Hashing twice keeps a 64-byte internal node from ever passing as a leaf. Leaves name the
    /// position, not the id, so that a sequencer can build the tree before it knows which ids the
    /// contract will reserve (other posts can land first in the same block).
    function anchoredLeaf(uint256 index, address author, uint256 parentId, bytes32 contentHash)
        external
        pure
        returns (bytes32);

    /// @notice Whether post `postId` with these fields is in anchored batch `batchId`, at position
    /// `postId - firstPostId` (sorted-pair Merkle proof, as OpenZeppelin's MerkleProof and
    /// merkle-tree build them). False for an id outside the batch's reserved range.
    function verifyAnchoredPost(
        uint256 batchId,
        uint256 postId,
        address author,
        uint256 parentId,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The EIP-712 digest a signer signs for these typed actions (helpers for clients).
    function hashPost(address author, uint256 parentId, bytes32 contentHash, uint256 maxFee, uint256 nonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice See `hashPost`.
    function hashTip(
        address tipper,
        uint256 postId,
        address author,
        address asset,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);
}
