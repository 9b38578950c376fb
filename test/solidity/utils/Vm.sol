// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The few cheatcodes these tests use (forge-std is not available here). Hardhat 3's EDR
/// serves them at the well-known cheatcode address; the signatures are Foundry's.
interface Vm {
    /// @notice One log recorded since `recordLogs` (Foundry's `Vm.Log`).
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Sets `msg.sender` for the next call only.
    function prank(address sender) external;

    /// @notice Sets `msg.sender` for every call until `stopPrank`.
    function startPrank(address sender) external;

    function stopPrank() external;

    /// @notice Sets the ether balance of `account`.
    function deal(address account, uint256 newBalance) external;

    /// @notice The next call must revert with exactly `revertData` (selector and arguments).
    function expectRevert(bytes calldata revertData) external;

    /// @notice The next call must revert with a custom error that has selector `selector`.
    function expectRevert(bytes4 selector) external;

    /// @notice The next call must emit an event matching the one emitted right after this
    /// cheatcode (all topics and data are compared).
    function expectEmit() external;

    /// @notice As `expectEmit()`, and the event must come from `emitter`.
    function expectEmit(address emitter) external;

    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external;

    function warp(uint256 timestamp) external;

    /// @notice The address of private key `privateKey`.
    function addr(uint256 privateKey) external returns (address);

    function sign(uint256 privateKey, bytes32 digest) external returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice Writes storage slot `slot` of `target` (used to give a token holder a balance the
    /// faucet cannot mint).
    function store(address target, bytes32 slot, bytes32 value) external;

    function label(address account, string calldata name) external;

    /// @notice Sets `block.chainid` (EIP-712 domains built for the old id stop matching).
    function chainId(uint256 newChainId) external;

    /// @notice Starts recording every log emitted; `getRecordedLogs` returns and clears them.
    function recordLogs() external;

    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice Saves the whole EVM state; `revertToState(id)` restores it.
    function snapshotState() external returns (uint256 snapshotId);

    function revertToState(uint256 snapshotId) external returns (bool success);
}

address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
