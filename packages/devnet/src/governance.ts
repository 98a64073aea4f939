// Hands a chain's Ballast contracts to governance the way a production deployment does: the deployer
// sets the guardian, makes an OpenZeppelin TimelockController (the deployer key proposes and executes;
// no admin) the LayerZero delegate, and transfers ownership to it in two steps (Ownable2Step:
// `transferOwnership`, then `acceptOwnership` executed by the timelock). The timelock starts with no
// delay so the hand-over is one run; its last operation raises the delay to the one asked for
// (docs/DECISIONS.md and docs/OPERATIONS.md, "Governance").
import { randomBytes } from 'node:crypto';
import { timelockControllerAbi } from '@ballast/abi';
import type { GovernanceDeployment } from '@ballast/protocol';
import { type Abi, type Address, type Hex, bytesToHex, encodeFunctionData, zeroAddress, zeroHash } from 'viem';
import { forgeBytecode } from './artifacts.ts';
import type { ChainDeployer } from './deployer.ts';

/** One call the timelock makes: `data` sent to `target` with no value. */
export type GovernanceCall = { target: Address; data: Hex };

/** A contract the timelock takes over (Ownable2Step). */
export type GovernedContract = {
  name: string;
  address: Address;
  /** Its generated ABI (from @ballast/abi), so a failed step comes back decoded. */
  abi: Abi;
  /** An OApp: the timelock also becomes its LayerZero delegate (endpoint configuration). */
  oapp?: boolean;
  /** It has a guardian who can pause: set to the hand-over's guardian. */
  guarded?: boolean;
};

export type HandOverParameters = {
  contracts: GovernedContract[];
  /** Seconds every admin change waits between schedule and execute. */
  minDelay: number;
  /** Who may pause at once (exports on home, draws on a remote) and do nothing else. */
  guardian: Address;
};

/**
 * Schedules `calls` as one timelock operation and executes it in the next transaction. Only works
 * while the timelock's delay is 0 (the devnet's default); with a delay, schedule and execute are
 * separate steps with the wait between them (docs/OPERATIONS.md).
 */
export async function executeThroughTimelock(deployer: ChainDeployer, timelock: Address, step: string, calls: GovernanceCall[]): Promise<void> {
  const targets = calls.map((call) => call.target);
  const values = calls.map(() => 0n);
  const payloads = calls.map((call) => call.data);
  // A fresh salt: the same calls may be governed more than once.
  const salt = bytesToHex(randomBytes(32));
  await deployer.write(`timelock.scheduleBatch(${step})`, timelock, timelockControllerAbi, 'scheduleBatch', [targets, values, payloads, zeroHash, salt, 0n]);
  await deployer.write(`timelock.executeBatch(${step})`, timelock, timelockControllerAbi, 'executeBatch', [targets, values, payloads, zeroHash, salt]);
}

/** Deploys a timelock governing `contracts` on the deployer's chain and hands them over to it. */
export async function handOverToTimelock(deployer: ChainDeployer, { contracts, minDelay, guardian }: HandOverParameters): Promise<GovernanceDeployment> {
  const proposer = deployer.account.address;
  const timelock = await deployer.deploy('TimelockController', forgeBytecode('TimelockController'), timelockControllerAbi, [0n, [proposer], [proposer], zeroAddress]);
  // While the deployer still owns them: the guardian, then the delegate (only the owner may move it),
  // then the first half of the ownership transfer.
  for (const { name, address, abi, oapp, guarded } of contracts) {
    if (guarded) await deployer.write(`${name}.setGuardian`, address, abi, 'setGuardian', [guardian]);
    if (oapp) await deployer.write(`${name}.setDelegate`, address, abi, 'setDelegate', [timelock]);
    await deployer.write(`${name}.transferOwnership`, address, abi, 'transferOwnership', [timelock]);
  }
  await executeThroughTimelock(
    deployer,
    timelock,
    'acceptOwnership',
    contracts.map(({ address, abi }) => ({ target: address, data: encodeFunctionData({ abi, functionName: 'acceptOwnership' }) })),
  );
  if (minDelay > 0) {
    await executeThroughTimelock(deployer, timelock, 'updateDelay', [
      { target: timelock, data: encodeFunctionData({ abi: timelockControllerAbi, functionName: 'updateDelay', args: [BigInt(minDelay)] }) },
    ]);
  }
  return { timelock, minDelay, guardian };
}
