// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Brings OpenZeppelin's TimelockController into the build, so forge writes its artifact to out/: the
// devnet deploys it from there as the owner of the vault and mirrors, and @wagmi/cli generates its ABI
// (`timelockControllerAbi`). Nothing is declared here on purpose: governance is the audited contract
// as OpenZeppelin ships it, never a copy of ours (docs/DECISIONS.md, "Governance").
import { TimelockController } from "@openzeppelin/contracts/governance/TimelockController.sol";
