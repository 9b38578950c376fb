// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PennyPost} from "../../../contracts/PennyPost.sol";
import {FeeOnTransferToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {NoBoolToken} from "../../../contracts/mocks/NoBoolToken.sol";
import {PennyTestToken} from "../../../contracts/tokens/PennyTestToken.sol";

import {TestBase} from "./TestBase.sol";

/// @notice The deployment every unit and fuzz test starts from: PennyPost with the default fees
/// (as in ignition/modules/PennyPost.ts), the test token and a no-bool token accepted, and one post by
/// `alice`. Owner and treasury are separate accounts so that mix-ups between them show.
abstract contract PennyPostFixture is TestBase {
    uint256 internal constant POST_FEE = 10_000_000_000_000; // 0.00001 ether
    uint256 internal constant TIP_FEE_BPS = 250;
    address internal constant ETH = address(0);
    /// @dev Slot of `_balances` in OpenZeppelin's ERC20 (its first state variable).
    uint256 internal constant ERC20_BALANCES_SLOT = 0;

    address internal owner = address(0x0A11);
    address internal treasury = address(0x7EA5);
    uint256 internal alicePk = 0xA11CE;
    address internal alice;
    address internal bob = address(0xB0B);
    uint256 internal tipperPk = 0x71BBE5;
    address internal tipper;
    address internal stranger = address(0x5757);

    PennyPost internal pennyPost;
    PennyTestToken internal token;
    NoBoolToken internal noBoolToken;
    FeeOnTransferToken internal feeToken;
    uint256 internal alicePost;

    function setUp() public virtual {
        alice = vm.addr(alicePk);
        tipper = vm.addr(tipperPk);
        vm.label(owner, "owner");
        vm.label(treasury, "treasury");
        vm.label(alice, "alice");
        vm.label(bob, "bob");
        vm.label(tipper, "tipper");
        vm.label(stranger, "stranger");

        pennyPost = new PennyPost(owner, treasury, POST_FEE, TIP_FEE_BPS);
        token = new PennyTestToken();
        noBoolToken = new NoBoolToken();
        feeToken = new FeeOnTransferToken();
        vm.startPrank(owner);
        pennyPost.setTokenAccepted(address(token), true);
        pennyPost.setTokenAccepted(address(noBoolToken), true);
        pennyPost.setTokenAccepted(address(feeToken), true);
        vm.stopPrank();

        alicePost = _post(alice, "hello, paid world");
    }

    /// @dev Posts `content` as `author`, paying the current fee.
    function _post(address author, string memory content) internal returns (uint256) {
        uint256 fee = pennyPost.postFee();
        vm.deal(author, author.balance + fee);
        vm.prank(author);
        return pennyPost.post{value: fee}(0, content);
    }

    /// @dev Gives `holder` exactly `amount` of the test token, beyond the faucet limit if needed.
    function _setTokenBalance(address holder, uint256 amount) internal {
        bytes32 slot = keccak256(abi.encode(holder, ERC20_BALANCES_SLOT));
        vm.store(address(token), slot, bytes32(amount));
        assertEq(token.balanceOf(holder), amount, "token balance written to storage");
    }

    /// @dev floor(amount * bps / 10_000) computed without the 512-bit product: with
    /// amount = q * 10_000 + r, the product over 10_000 is q * bps + r * bps / 10_000 exactly.
    function _expectedFee(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return (amount / 10_000) * bps + ((amount % 10_000) * bps) / 10_000;
    }

    /// @dev `bytes(content).length == length`, every byte an ASCII letter.
    function _content(uint256 length) internal pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i; i < length; ++i) b[i] = bytes1(uint8(0x61 + (i % 26)));
        return string(b);
    }
}
