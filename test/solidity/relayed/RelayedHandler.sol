// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PennyPost} from "../../../contracts/PennyPost.sol";
import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";
import {PennyTestToken} from "../../../contracts/tokens/PennyTestToken.sol";

import {TestBase} from "../utils/TestBase.sol";
import {EdgesHandler} from "./EdgesHandler.sol";
import {Vm} from "../utils/Vm.sol";

/// @notice The only contract the relayed invariant fuzzer calls. Four actors with keys (and one
/// session key each) deposit, sign posts, tips, anchored fee settlements and vouchers, some valid and
/// some not (bad signer, wrong nonce, expired, fee above max, unknown post, over the deposit, over a
/// session cap, stale or mismatched vouchers); a relayer submits them and a sequencer anchors and
/// settles; actors withdraw deposits through the delay (with warps) and their balances; the treasury
/// withdraws fees. Every spending call runs under `vm.recordLogs`, so the ghosts sum what the events
/// say was tipped and charged, and separately what left the deposits. Outcomes the spec forbids (a
/// batch or settlement that reverts, a withdrawal paying other than due) count in `ghost_unexpected`.
contract RelayedHandler is TestBase {
    uint256 public constant ACTORS = 4;
    /// @dev Asset indexes: 0 ether, 1 PennyTestToken.
    uint256 public constant ASSETS = 2;
    uint256 internal constant DELAY = 1 hours;
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant ANCHORED_POST_TYPEHASH =
        keccak256("AnchoredPost(address author,uint256 parentId,string content,uint256 seq,uint256 cumulativeFee)");
    bytes32 internal constant VOUCHER_TYPEHASH =
        keccak256("TipVoucher(address tipper,address asset,uint256 cumulativeAmount,bytes32 tipsHash)");
    bytes32 internal constant TIPPED_TOPIC = keccak256("Tipped(uint256,address,address,address,uint256,uint256)");
    bytes32 internal constant POSTED_TOPIC = keccak256("Posted(uint256,address,uint256,uint256,string)");
    bytes32 internal constant ANCHORED_FEES_TOPIC =
        keccak256("AnchoredFeesSettled(address,address,uint256,uint256,uint256)");

    PennyPost public pennyPost;
    PennyTestToken public token;
    address public owner;
    address public treasury;
    address public constant RELAYER = address(0x4E1A7E);
    address public constant SEQUENCER = address(0x5E0);

    address[ACTORS] public actors;
    uint256[ACTORS] internal _keys;
    address[ACTORS] public sessionKeys;
    uint256[ACTORS] internal _sessionPks;
    address[ASSETS] public assets;

    // ---------------------------------------------------------------- ghosts (per asset index)

    uint256[ASSETS] public ghost_tipped; // Σ Tipped.amount from the events of relayed calls
    uint256 public ghost_postFeesCharged; // Σ Posted.fee of batched posts
    uint256 public ghost_anchoredFeesCharged; // Σ AnchoredFeesSettled.amount
    uint256[ASSETS] public ghost_debits; // Σ decrease of Σ depositOf over relayed spending calls
    uint256[ASSETS] public ghost_deposited; // Σ deposits
    uint256[ASSETS] public ghost_depositWithdrawn; // Σ paid by completeDepositWithdrawal
    uint256[ACTORS] public ghost_lastNonce;
    uint256 public ghost_nonceDecreases;
    uint256 public ghost_unexpected;
    string public ghost_lastUnexpected;
    /// @dev Pauses, delistings and transfers to PennyPost itself (it knows when the last unpause was).
    EdgesHandler public edges;
    /// @dev When each actor last requested a deposit withdrawal per asset index (0: none pending).
    mapping(uint256 actor => mapping(uint256 asset => uint256 at)) internal _requestedAt;

    /// @dev Every voucher tip each tipper ever signed, per asset; `_voucherSettled` links are paid.
    mapping(uint256 actor => mapping(uint256 asset => IPennyPostRelayed.VoucherTip[])) internal _voucherTips;
    mapping(uint256 actor => mapping(uint256 asset => uint256)) internal _voucherSettled;

    constructor(PennyPost pennyPost_, PennyTestToken token_, address owner_, address treasury_) {
        pennyPost = pennyPost_;
        token = token_;
        owner = owner_;
        treasury = treasury_;
        assets = [address(0), address(token_)];
        edges = new EdgesHandler(pennyPost_, token_, owner_);
        for (uint256 i; i < ACTORS; ++i) {
            _keys[i] = 0xAC7 + i;
            actors[i] = vm.addr(_keys[i]);
            _sessionPks[i] = 0x5E55 + i;
            sessionKeys[i] = vm.addr(_sessionPks[i]);
        }
    }

    // ---------------------------------------------------------------- deposits

    function deposit(uint256 actorSeed, uint256 amount) external {
        address actor = actors[actorSeed % ACTORS];
        amount = bound(amount, 1, 10 ether);
        vm.deal(address(this), amount);
        pennyPost.deposit{value: amount}(actor);
        ghost_deposited[0] += amount;
    }

    function depositToken(uint256 actorSeed, uint256 amount) external {
        address actor = actors[actorSeed % ACTORS];
        amount = bound(amount, 1, 1_000e18);
        token.faucet(address(this), amount);
        token.approve(address(pennyPost), amount);
        pennyPost.depositToken(actor, address(token), amount);
        ghost_deposited[1] += amount;
    }

    function requestDepositWithdrawal(uint256 actorSeed, uint256 assetSeed, uint256 amount) external {
        address actor = actors[actorSeed % ACTORS];
        address asset = assets[assetSeed % ASSETS];
        uint256 available = pennyPost.depositOf(actor, asset);
        if (available == 0) return;
        vm.prank(actor);
        pennyPost.requestDepositWithdrawal(asset, bound(amount, 1, available));
        _requestedAt[actorSeed % ACTORS][assetSeed % ASSETS] = block.timestamp;
    }

    /// @notice Warps up to twice the delay forward, then completes if the request is unlocked: the
    /// payout must be min(requested, deposit), and a locked request must revert. Locked, by the
    /// handler's own clock: paused, or within WITHDRAWAL_DELAY of the request or of the last unpause
    /// (a pause stops settlements, so relayers get a full delay after it).
    function completeDepositWithdrawal(uint256 actorSeed, uint256 assetSeed, uint256 wait) external {
        uint256 a = assetSeed % ASSETS;
        uint256 i = actorSeed % ACTORS;
        address actor = actors[i];
        vm.warp(block.timestamp + bound(wait, 0, 2 * DELAY));
        (uint256 requested, uint256 unlockAt) = pennyPost.pendingWithdrawal(actor, assets[a]);
        uint256 available = pennyPost.depositOf(actor, assets[a]);
        uint256 due = requested < available ? requested : available;
        uint256 before = _balanceOf(a, actor);
        uint256 requestedAt = _requestedAt[i][a];
        bool locked = pennyPost.paused() || requestedAt == 0 || block.timestamp < requestedAt + DELAY
            || block.timestamp < edges.ghost_lastUnpausedAt() + DELAY;
        vm.prank(actor);
        try pennyPost.completeDepositWithdrawal(assets[a], actor) {
            uint256 paid = _balanceOf(a, actor) - before;
            if (unlockAt == 0 || block.timestamp < unlockAt) _unexpected("withdrawal completed while locked");
            if (locked) _unexpected("withdrawal completed while paused or within a delay of the request or the unpause");
            if (paid != due) _unexpected("withdrawal paid other than min(requested, deposit)");
            ghost_depositWithdrawn[a] += paid;
            _requestedAt[i][a] = 0;
        } catch {
            if (!locked && due != 0) _unexpected("unlocked withdrawal reverted");
        }
    }

    function cancelDepositWithdrawal(uint256 actorSeed, uint256 assetSeed) external {
        address actor = actors[actorSeed % ACTORS];
        vm.prank(actor);
        try pennyPost.cancelDepositWithdrawal(assets[assetSeed % ASSETS]) {
            _requestedAt[actorSeed % ACTORS][assetSeed % ASSETS] = 0;
        } catch {}
    }

    // ---------------------------------------------------------------- sessions and nonces

    function authorizeSession(uint256 actorSeed, uint256 assetSeed, uint256 cap, uint256 duration) external {
        uint256 i = actorSeed % ACTORS;
        vm.prank(actors[i]);
        pennyPost.authorizeSession(
            sessionKeys[i], assets[assetSeed % ASSETS], bound(cap, 0, 5 ether), block.timestamp + bound(duration, 1, 3 hours)
        );
    }

    function revokeSession(uint256 actorSeed, uint256 assetSeed) external {
        uint256 i = actorSeed % ACTORS;
        vm.prank(actors[i]);
        pennyPost.revokeSession(sessionKeys[i], assets[assetSeed % ASSETS]);
    }

    function cancelNonces(uint256 actorSeed, uint256 ahead) external {
        uint256 i = actorSeed % ACTORS;
        _checkNonces();
        vm.prank(actors[i]);
        pennyPost.cancelNonces(pennyPost.nonces(actors[i]) + bound(ahead, 1, 3));
        _checkNonces();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 * DELAY));
    }

    // ---------------------------------------------------------------- batched mode

    /// @notice Up to 4 posts and 4 tips by random actors, each valid or broken in one way (by `flaws`).
    function submitBatch(uint256 seed, uint256 flaws) external {
        uint256[ACTORS] memory next;
        for (uint256 i; i < ACTORS; ++i) next[i] = pennyPost.nonces(actors[i]);
        uint256 count = pennyPost.postCount();

        IPennyPostRelayed.SignedPost[] memory posts = new IPennyPostRelayed.SignedPost[](seed % 5);
        for (uint256 k; k < posts.length; ++k) {
            uint256 i = uint256(keccak256(abi.encode(seed, k, "p"))) % ACTORS;
            uint256 flaw = (flaws >> (4 * k)) % 16; // 0..7 valid, 8..15 one flaw each
            IPennyPostRelayed.SignedPost memory p = IPennyPostRelayed.SignedPost({
                author: actors[i],
                parentId: flaw == 12 ? count + posts.length + 1 : (seed >> k) % (count + 1),
                content: "relayed",
                maxFee: flaw == 10 && pennyPost.postFee() != 0 ? pennyPost.postFee() - 1 : pennyPost.postFee(),
                nonce: flaw == 9 ? next[i] + 1 : next[i],
                deadline: flaw == 11 ? block.timestamp - 1 : block.timestamp + 1 hours,
                signature: ""
            });
            bytes32 digest = pennyPost.hashPost(p.author, p.parentId, keccak256(bytes(p.content)), p.maxFee, p.nonce, p.deadline);
            p.signature = _sign(flaw == 8 ? _keys[(i + 1) % ACTORS] : flaw == 13 ? _sessionPks[i] : _keys[i], digest);
            posts[k] = p;
            if (flaw < 8) ++next[i]; // a flawed item may still run (a session key in its cap): nonces then skip
        }

        IPennyPostRelayed.SignedTip[] memory tips = new IPennyPostRelayed.SignedTip[]((seed >> 8) % 5);
        for (uint256 k; k < tips.length; ++k) {
            uint256 i = uint256(keccak256(abi.encode(seed, k, "t"))) % ACTORS;
            uint256 flaw = (flaws >> (4 * (k + 4))) % 16;
            uint256 a = (seed >> (16 + k)) % ASSETS;
            uint256 postId = count == 0 ? 1 : 1 + uint256(keccak256(abi.encode(seed, k, "post"))) % count;
            address author = _storedAuthor(postId);
            if (author == address(0) || flaw == 12) author = actors[(seed >> (24 + k)) % ACTORS];
            if (flaw == 15) author = address(pennyPost); // no tip is credited to PennyPost itself
            uint256 available = pennyPost.depositOf(actors[i], assets[a]);
            uint256 amount = flaw == 10 ? available + 1 : bound(uint256(keccak256(abi.encode(seed, k))), 1, available / 2 + 1);
            IPennyPostRelayed.SignedTip memory t = IPennyPostRelayed.SignedTip({
                tipper: actors[i],
                postId: flaw == 14 ? count + posts.length + 1 : postId,
                author: author,
                asset: assets[a],
                amount: amount,
                nonce: flaw == 9 ? next[i] + 1 : next[i],
                deadline: flaw == 11 ? block.timestamp - 1 : block.timestamp + 1 hours,
                signature: ""
            });
            bytes32 digest =
                pennyPost.hashTip(t.tipper, t.postId, t.author, t.asset, t.amount, t.nonce, t.deadline);
            t.signature = _sign(flaw == 8 ? _keys[(i + 1) % ACTORS] : flaw == 13 ? _sessionPks[i] : _keys[i], digest);
            tips[k] = t;
            if (flaw < 8) ++next[i];
        }

        _checkNonces();
        uint256[ASSETS] memory before = _sumDeposits();
        vm.recordLogs();
        vm.prank(RELAYER);
        try pennyPost.submitBatch(posts, tips) {
            _account(before);
        } catch {
            vm.getRecordedLogs();
            if (!pennyPost.paused()) _unexpected("submitBatch reverted");
        }
        _checkNonces();
    }

    // ---------------------------------------------------------------- anchored mode

    function anchor(uint256 countSeed, bytes32 root) external {
        vm.prank(SEQUENCER);
        pennyPost.anchorHash(root, bound(countSeed, 1, 4), keccak256(abi.encode(root)));
    }

    /// @notice One actor's settlement for `more` wei beyond what it paid, signed by the actor or its
    /// session key; sometimes a replay (more = 0) or a forged signature.
    function settleAnchoredFees(uint256 actorSeed, uint256 more, uint256 flaw) external {
        uint256 i = actorSeed % ACTORS;
        address author = actors[i];
        uint256 paid = pennyPost.anchoredFeesPaid(author);
        more = bound(more, 0, pennyPost.depositOf(author, address(0)) + 1);
        IPennyPostRelayed.AnchoredFee[] memory fees = new IPennyPostRelayed.AnchoredFee[](1);
        fees[0] = IPennyPostRelayed.AnchoredFee(
            author, 0, keccak256("anchored"), paid + more, paid + more, "", 0, 0, new bytes32[](0)
        );
        flaw %= 5;
        if (flaw != 3) {
            // anchored alone in a batch of one (root = leaf); flaw 3: signed but never anchored
            bytes32 leaf = pennyPost.anchoredLeaf(0, author, 0, keccak256("anchored")); // before the prank
            vm.prank(SEQUENCER);
            fees[0].batchId = pennyPost.anchorHash(leaf, 1, 0);
        }
        bytes32 digest = _typed(
            keccak256(abi.encode(ANCHORED_POST_TYPEHASH, author, 0, keccak256("anchored"), paid + more, paid + more))
        );
        fees[0].signature = _sign(flaw == 1 ? _keys[(i + 1) % ACTORS] : flaw == 2 ? _sessionPks[i] : _keys[i], digest);

        uint256[ASSETS] memory before = _sumDeposits();
        vm.recordLogs();
        vm.prank(SEQUENCER);
        try pennyPost.settleAnchoredFees(fees) {
            _account(before);
        } catch {
            vm.getRecordedLogs();
            if (!pennyPost.paused()) _unexpected("settleAnchoredFees reverted");
        }
    }

    // ---------------------------------------------------------------- vouchers

    /// @notice The tipper signs up to 3 new tips onto its chain in `asset` and the relayer settles the
    /// newest voucher; `flaw` sometimes replays the settled voucher, breaks a link, or forges the signer.
    function settleVouchers(uint256 actorSeed, uint256 assetSeed, uint256 seed, uint256 flaw) external {
        uint256 i = actorSeed % ACTORS;
        uint256 a = assetSeed % ASSETS;
        uint256 count = pennyPost.postCount();
        if (count == 0) return;
        IPennyPostRelayed.VoucherTip[] storage chain = _voucherTips[i][a];
        uint256 settledLinks = _voucherSettled[i][a];
        // Unsettled links beyond the settled ones are dropped: the tipper re-signs from what is settled.
        while (chain.length > settledLinks) chain.pop();
        uint256 available = pennyPost.depositOf(actors[i], assets[a]);
        for (uint256 k; k < 1 + seed % 3; ++k) {
            uint256 postId = 1 + uint256(keccak256(abi.encode(seed, k))) % count;
            address author = _storedAuthor(postId);
            if (author == address(0)) author = actors[(seed >> k) % ACTORS];
            chain.push(IPennyPostRelayed.VoucherTip(postId, author, bound(seed >> (8 * k), 1, available / 3 + 1)));
        }
        flaw %= 8;
        if (flaw == 5) chain[chain.length - 1].author = address(pennyPost); // no tip is credited to PennyPost itself
        uint256 from = flaw == 1 ? (settledLinks == 0 ? 0 : settledLinks - 1) : settledLinks; // replay/stale
        bytes32 h;
        uint256 sum;
        for (uint256 k; k < chain.length; ++k) {
            h = keccak256(abi.encode(h, chain[k].postId, chain[k].author, chain[k].amount));
            sum += chain[k].amount;
        }
        IPennyPostRelayed.Voucher[] memory list = new IPennyPostRelayed.Voucher[](1);
        list[0] = IPennyPostRelayed.Voucher(actors[i], assets[a], sum, h, "", new IPennyPostRelayed.VoucherTip[](chain.length - from));
        for (uint256 k = from; k < chain.length; ++k) list[0].tips[k - from] = chain[k];
        if (flaw == 2) list[0].tips[0].amount += 1; // a link that does not chain
        bytes32 digest = _typed(keccak256(abi.encode(VOUCHER_TYPEHASH, actors[i], assets[a], sum, h)));
        list[0].signature = _sign(flaw == 3 ? _keys[(i + 1) % ACTORS] : flaw == 4 ? _sessionPks[i] : _keys[i], digest);

        uint256[ASSETS] memory before = _sumDeposits();
        vm.recordLogs();
        vm.prank(RELAYER);
        try pennyPost.settleVouchers(list) {
            _account(before);
        } catch {
            vm.getRecordedLogs();
            if (!pennyPost.paused()) _unexpected("settleVouchers reverted");
        }
        (uint256 settled,) = pennyPost.voucherState(actors[i], assets[a]);
        if (settled == sum) _voucherSettled[i][a] = chain.length;
    }

    // ---------------------------------------------------------------- balances

    /// @notice Withdraws an owed balance of an actor, the relayer or the sequencer.
    function withdraw(uint256 whoSeed, uint256 assetSeed) external {
        uint256 w = whoSeed % (ACTORS + 2);
        address who = w < ACTORS ? actors[w] : w == ACTORS ? RELAYER : SEQUENCER;
        address asset = assets[assetSeed % ASSETS];
        uint256 owed = pennyPost.owed(who, asset);
        vm.prank(who);
        try pennyPost.withdraw(asset) {
            if (pennyPost.owed(who, asset) != 0) _unexpected("owed not zero after withdraw");
        } catch {
            if (owed != 0) _unexpected("withdraw of an owed balance reverted");
        }
    }

    function withdrawFees(uint256 assetSeed) external {
        address asset = assets[assetSeed % ASSETS];
        uint256 fees = pennyPost.feesOwed(asset);
        vm.prank(treasury);
        try pennyPost.withdrawFees(asset) {
        } catch {
            if (fees != 0) _unexpected("fee withdrawal reverted");
        }
    }

    // ---------------------------------------------------------------- views for the invariants

    /// @notice Σ owed over every account that can be credited: actors (authors), relayer, sequencer.
    function sumOwed(uint256 a) external view returns (uint256 sum) {
        for (uint256 i; i < ACTORS; ++i) sum += pennyPost.owed(actors[i], assets[a]);
        sum += pennyPost.owed(RELAYER, assets[a]) + pennyPost.owed(SEQUENCER, assets[a]);
    }

    function sumDeposits(uint256 a) external view returns (uint256) {
        return _sumDeposits()[a];
    }

    function balanceOfPennyPost(uint256 a) external view returns (uint256) {
        return _balanceOf(a, address(pennyPost));
    }

    // ---------------------------------------------------------------- internal

    /// @dev Adds what the recorded logs say was charged, and what left the deposits, to the ghosts.
    function _account(uint256[ASSETS] memory before) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 k; k < logs.length; ++k) {
            if (logs[k].emitter != address(pennyPost)) continue;
            bytes32 topic = logs[k].topics[0];
            if (topic == TIPPED_TOPIC) {
                (address asset, uint256 amount,) = abi.decode(logs[k].data, (address, uint256, uint256));
                ghost_tipped[asset == address(0) ? 0 : 1] += amount;
                if (asset != address(0) && !pennyPost.isTokenAccepted(asset)) _unexpected("a delisted token paid a tip");
                if (address(uint160(uint256(logs[k].topics[3]))) == address(pennyPost)) _unexpected("a tip credited PennyPost itself");
            } else if (topic == POSTED_TOPIC) {
                (uint256 fee,) = abi.decode(logs[k].data, (uint256, string));
                ghost_postFeesCharged += fee;
            } else if (topic == ANCHORED_FEES_TOPIC) {
                (,, uint256 amount) = abi.decode(logs[k].data, (uint256, uint256, uint256));
                ghost_anchoredFeesCharged += amount;
            }
        }
        uint256[ASSETS] memory afterwards = _sumDeposits();
        for (uint256 a; a < ASSETS; ++a) {
            if (afterwards[a] > before[a]) _unexpected("a relayed spend raised the deposits");
            else ghost_debits[a] += before[a] - afterwards[a];
        }
    }

    /// @dev The stored author of a direct post, or 0 (`authorOf` reverts for relayed and anchored posts).
    function _storedAuthor(uint256 postId) internal view returns (address) {
        try pennyPost.authorOf(postId) returns (address author) {
            return author;
        } catch {
            return address(0);
        }
    }

    function _sumDeposits() internal view returns (uint256[ASSETS] memory sums) {
        for (uint256 a; a < ASSETS; ++a) {
            for (uint256 i; i < ACTORS; ++i) sums[a] += pennyPost.depositOf(actors[i], assets[a]);
        }
    }

    /// @dev Flags any nonce below the last one seen, then remembers the current ones.
    function _checkNonces() internal {
        for (uint256 i; i < ACTORS; ++i) {
            uint256 nonce = pennyPost.nonces(actors[i]);
            if (nonce < ghost_lastNonce[i]) ++ghost_nonceDecreases;
            ghost_lastNonce[i] = nonce;
        }
    }

    function _typed(bytes32 structHash) internal view returns (bytes32) {
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = pennyPost.eip712Domain();
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifying)
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _sign(uint256 pk, bytes32 digest) internal returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    function _balanceOf(uint256 a, address account) internal view returns (uint256) {
        return a == 0 ? account.balance : token.balanceOf(account);
    }

    function _unexpected(string memory what) internal {
        ghost_unexpected += 1;
        ghost_lastUnexpected = what;
    }
}
