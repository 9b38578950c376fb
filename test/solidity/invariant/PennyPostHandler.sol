// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {NoBoolToken} from "../../../contracts/mocks/NoBoolToken.sol";
import {PennyTestToken} from "../../../contracts/tokens/PennyTestToken.sol";

import {TestBase} from "../utils/TestBase.sol";

/// @notice The only contract the invariant fuzzer calls. Each action picks one of five fixed actors,
/// bounds its inputs so that it normally succeeds, calls PennyPost with try/catch, and records what
/// moved in ghost variables. An outcome that contradicts the spec (a revert where success was due, a
/// success while paused, a fee other than floor(amount * bps / 10_000), a payout other than what was
/// owed) is counted in `ghost_unexpected`, because with failOnRevert = false a failing assertion here
/// would just be discarded as a reverted call.
contract PennyPostHandler is TestBase {
    uint256 public constant ACTORS = 5;
    /// @dev Asset indexes: 0 ether, 1 PennyTestToken, 2 NoBoolToken.
    uint256 public constant ASSETS = 3;
    uint256 internal constant MAX_TIP_FEE_BPS = 1_000;
    uint256 internal constant MAX_POST_FEE = 0.01 ether;
    uint256 internal constant MAX_ETH_TIP = 1_000 ether;
    uint256 internal constant MAX_TOKEN_TIP = 1_000_000e18; // PennyTestToken.FAUCET_LIMIT
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    IPennyPost public immutable pennyPost;
    PennyTestToken public immutable token;
    NoBoolToken public immutable noBoolToken;
    address public immutable owner;
    address public immutable treasury;

    address[ACTORS] public actors;
    uint256[ACTORS] internal _actorKeys;
    address[ASSETS] public assets;
    bool public paused;

    // ---------------------------------------------------------------- ghosts (per asset index)

    uint256[ASSETS] public ghost_deposited; // post fees and tips that came in
    uint256[ASSETS] public ghost_withdrawn; // what recipients received from withdrawals and fee payouts
    uint256[ASSETS] public ghost_tipped; // sum of successful tip amounts
    uint256[ASSETS] public ghost_authorCredited; // sum of the authors' owed() increases on tips
    uint256[ASSETS] public ghost_tipFees; // sum of the feesOwed() increases on tips
    uint256[ASSETS] public ghost_feesWithdrawn; // sum of fee payouts to the treasury
    uint256 public ghost_postFees;
    uint256 public ghost_posts;
    uint256 public ghost_unexpected;
    string public ghost_lastUnexpected;
    mapping(bytes32 action => uint256) public successes;

    constructor(
        IPennyPost pennyPost_,
        PennyTestToken token_,
        NoBoolToken noBoolToken_,
        address owner_,
        address treasury_
    ) {
        pennyPost = pennyPost_;
        token = token_;
        noBoolToken = noBoolToken_;
        owner = owner_;
        treasury = treasury_;
        assets = [address(0), address(token_), address(noBoolToken_)];
        for (uint256 i; i < ACTORS; ++i) {
            _actorKeys[i] = 0xAC7 + i;
            actors[i] = vm.addr(_actorKeys[i]);
        }
    }

    // ---------------------------------------------------------------- actions

    function post(uint256 actorSeed, uint256 parentSeed, uint256 lengthSeed) external {
        address actor = actors[actorSeed % ACTORS];
        uint256 count = pennyPost.postCount();
        uint256 parent = bound(parentSeed, 0, count);
        bytes memory content = new bytes(bound(lengthSeed, 1, 64));
        content[0] = "x";
        uint256 fee = pennyPost.postFee();
        vm.deal(actor, actor.balance + fee);

        vm.prank(actor);
        try pennyPost.post{value: fee}(parent, string(content)) returns (uint256 id) {
            if (paused) _unexpected("post succeeded while paused");
            if (id != count + 1) _unexpected("post id is not postCount + 1");
            ghost_posts += 1;
            ghost_postFees += fee;
            ghost_deposited[0] += fee;
            successes["post"] += 1;
        } catch {
            if (!paused) _unexpected("post reverted");
        }
    }

    function tip(uint256 actorSeed, uint256 postSeed, uint256 amount) external {
        uint256 count = pennyPost.postCount();
        if (count == 0) return;
        address actor = actors[actorSeed % ACTORS];
        amount = bound(amount, 1, MAX_ETH_TIP);
        vm.deal(actor, actor.balance + amount);
        _tip(actor, bound(postSeed, 1, count), 0, amount, false);
    }

    function tipToken(uint256 actorSeed, uint256 postSeed, uint256 assetSeed, uint256 amount) external {
        uint256 count = pennyPost.postCount();
        if (count == 0) return;
        address actor = actors[actorSeed % ACTORS];
        uint256 asset = 1 + assetSeed % 2;
        amount = bound(amount, 1, MAX_TOKEN_TIP);
        vm.startPrank(actor);
        if (asset == 1) {
            token.faucet(actor, amount);
            token.approve(address(pennyPost), amount);
        } else {
            noBoolToken.mint(actor, amount);
            noBoolToken.approve(address(pennyPost), amount);
        }
        vm.stopPrank();
        _tip(actor, bound(postSeed, 1, count), asset, amount, false);
    }

    function tipTokenWithPermit(uint256 actorSeed, uint256 postSeed, uint256 amount) external {
        uint256 count = pennyPost.postCount();
        if (count == 0) return;
        uint256 i = actorSeed % ACTORS;
        amount = bound(amount, 1, MAX_TOKEN_TIP);
        token.faucet(actors[i], amount);
        _tip(actors[i], bound(postSeed, 1, count), 1, amount, true);
    }

    /// @notice Withdraws to a random actor (often the caller itself). Four times in five the caller
    /// is moved on to the next actor and asset with something owed, so that withdrawals mostly pay out.
    function withdraw(uint256 actorSeed, uint256 assetSeed, uint256 recipientSeed) external {
        uint256 i = actorSeed % ACTORS;
        uint256 asset = assetSeed % ASSETS;
        if (actorSeed % 5 != 0) (i, asset) = _nextOwed(i, asset);
        address actor = actors[i];
        address to = actors[recipientSeed % ACTORS];
        uint256 owed = pennyPost.owed(actor, assets[asset]);
        uint256 before = _balanceOf(asset, to);

        vm.prank(actor);
        try pennyPost.withdrawTo(assets[asset], to) {
            uint256 received = _balanceOf(asset, to) - before;
            if (received != owed) _unexpected("withdrawal paid other than owed");
            if (pennyPost.owed(actor, assets[asset]) != 0) _unexpected("owed not zero after withdrawal");
            ghost_withdrawn[asset] += received;
            successes["withdraw"] += 1;
        } catch {
            if (owed != 0) _unexpected("withdrawal of an owed balance reverted");
        }
    }

    function withdrawFees(uint256 assetSeed, bool byOwner) external {
        uint256 asset = assetSeed % ASSETS;
        uint256 fees = pennyPost.feesOwed(assets[asset]);
        uint256 before = _balanceOf(asset, treasury);

        vm.prank(byOwner ? owner : treasury);
        try pennyPost.withdrawFees(assets[asset]) {
            uint256 received = _balanceOf(asset, treasury) - before;
            if (received != fees) _unexpected("fee payout other than feesOwed");
            ghost_withdrawn[asset] += received;
            ghost_feesWithdrawn[asset] += received;
            successes["withdrawFees"] += 1;
        } catch {
            if (fees != 0) _unexpected("fee withdrawal reverted");
        }
    }

    function setTipFeeBps(uint256 bps) external {
        vm.prank(owner);
        try pennyPost.setTipFeeBps(bound(bps, 0, MAX_TIP_FEE_BPS)) {} catch {
            _unexpected("setTipFeeBps reverted");
        }
    }

    function setPostFee(uint256 fee) external {
        vm.prank(owner);
        try pennyPost.setPostFee(bound(fee, 0, MAX_POST_FEE)) {} catch {
            _unexpected("setPostFee reverted");
        }
    }

    /// @notice Pauses one time in four, else unpauses, so that most sequences spend most calls unpaused.
    function setPaused(uint256 seed) external {
        bool pause = seed % 4 == 0;
        if (pause == paused) return;
        vm.prank(owner);
        if (pause) {
            try pennyPost.pause() {} catch {
                _unexpected("pause reverted");
            }
        } else {
            try pennyPost.unpause() {} catch {
                _unexpected("unpause reverted");
            }
        }
        paused = pause;
    }

    // ---------------------------------------------------------------- views for the invariants

    function sumOwed(uint256 asset) external view returns (uint256 sum) {
        for (uint256 i; i < ACTORS; ++i) sum += pennyPost.owed(actors[i], assets[asset]);
    }

    function balanceOfPennyPost(uint256 asset) external view returns (uint256) {
        return _balanceOf(asset, address(pennyPost));
    }

    // ---------------------------------------------------------------- internal

    function _tip(address actor, uint256 postId, uint256 asset, uint256 amount, bool withPermit) internal {
        address author = pennyPost.authorOf(postId);
        uint256 owedBefore = pennyPost.owed(author, assets[asset]);
        uint256 feesBefore = pennyPost.feesOwed(assets[asset]);
        uint256 expectedFee = amount * pennyPost.tipFeeBps() / 10_000; // amounts are small: no overflow

        if (_call(actor, postId, asset, amount, withPermit)) {
            uint256 credited = pennyPost.owed(author, assets[asset]) - owedBefore;
            uint256 fee = pennyPost.feesOwed(assets[asset]) - feesBefore;
            if (paused) _unexpected("tip succeeded while paused");
            if (fee != expectedFee) _unexpected("tip fee is not floor(amount * bps / 10_000)");
            ghost_deposited[asset] += amount;
            ghost_tipped[asset] += amount;
            ghost_authorCredited[asset] += credited;
            ghost_tipFees[asset] += fee;
            if (withPermit) successes["tipTokenWithPermit"] += 1;
            else successes[asset == 0 ? bytes32("tip") : bytes32("tipToken")] += 1;
        } else if (!paused) {
            _unexpected("tip reverted");
        }
    }

    function _call(address actor, uint256 postId, uint256 asset, uint256 amount, bool withPermit)
        internal
        returns (bool ok)
    {
        if (withPermit) {
            uint256 deadline = block.timestamp + 1 hours;
            (uint8 v, bytes32 r, bytes32 s) = _signPermit(actor, amount, deadline);
            vm.prank(actor);
            try pennyPost.tipTokenWithPermit(postId, address(token), amount, deadline, v, r, s) {
                return true;
            } catch {
                return false;
            }
        }
        vm.prank(actor);
        if (asset == 0) {
            try pennyPost.tip{value: amount}(postId) {
                return true;
            } catch {
                return false;
            }
        }
        try pennyPost.tipToken(postId, assets[asset], amount) {
            return true;
        } catch {
            return false;
        }
    }

    function _signPermit(address holder, uint256 value, uint256 deadline)
        internal
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        uint256 key;
        for (uint256 i; i < ACTORS; ++i) if (actors[i] == holder) key = _actorKeys[i];
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, holder, address(pennyPost), value, token.nonces(holder), deadline));
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    /// @dev The first (actor, asset) pair from (i, asset) on, in actor-major order, with a non-zero
    /// owed balance; (i, asset) itself if there is none.
    function _nextOwed(uint256 i, uint256 asset) internal view returns (uint256, uint256) {
        for (uint256 k; k < ACTORS * ASSETS; ++k) {
            uint256 j = (i * ASSETS + asset + k) % (ACTORS * ASSETS);
            if (pennyPost.owed(actors[j / ASSETS], assets[j % ASSETS]) != 0) return (j / ASSETS, j % ASSETS);
        }
        return (i, asset);
    }

    function _balanceOf(uint256 asset, address account) internal view returns (uint256) {
        if (asset == 0) return account.balance;
        if (asset == 1) return token.balanceOf(account);
        return noBoolToken.balanceOf(account);
    }

    function _unexpected(string memory what) internal {
        ghost_unexpected += 1;
        ghost_lastUnexpected = what;
    }
}
