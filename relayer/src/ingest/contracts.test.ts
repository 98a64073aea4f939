// `decodeIngestedLog` against viem's `decodeEventLog({ strict: true })`, which it replaces on ingest's
// hot path: for every event of every followed ABI, logs with random arguments decode to exactly what viem
// gives, and logs that do not fit (a topic missing, the data cut short or empty, an unknown selector)
// are skipped where viem throws.
import { SeededRandom } from '../../../packages/protocol/src/seeded-random.ts';
import { type Abi, type AbiEvent, type AbiParameter, type Address, type Hex, type Log, decodeEventLog, encodeAbiParameters, encodeEventTopics, getAddress, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { type ContractRole, INGEST_ABIS, decodeIngestedLog } from './contracts.ts';

const EID = 40_101;
const CONTRACT: Address = getAddress('0x5fbdb2315678afecb367f032d93f642f64180aa3');
const ROUNDS = 20;

/** A random value of an ABI type (components for tuples). */
function randomValue(random: SeededRandom, param: AbiParameter): unknown {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type);
  if (array) {
    const length = array[2] ? Number(array[2]) : random.int(4);
    return Array.from({ length }, () => randomValue(random, { ...param, type: array[1] as string }));
  }
  if (param.type === 'tuple') {
    const components = (param as { components: readonly AbiParameter[] }).components;
    return Object.fromEntries(components.map((component) => [component.name, randomValue(random, component)]));
  }
  if (param.type === 'address') return getAddress(toHex(random.below(2n ** 160n), { size: 20 }));
  if (param.type === 'bool') return random.int(2) === 1;
  if (param.type === 'string') return `s${random.int(1_000_000)}`;
  if (param.type === 'bytes') return toHex(random.below(2n ** 80n), { size: 10 });
  const bytes = /^bytes(\d+)$/.exec(param.type);
  if (bytes) return toHex(random.below(2n ** BigInt(8 * Number(bytes[1]))), { size: Number(bytes[1]) });
  const integer = /^(u?)int(\d+)$/.exec(param.type);
  if (integer) {
    const bits = BigInt(integer[2] as string);
    // Edges as often as the middle: 0, the maximum, the minimum of a signed type.
    const edge = random.int(4);
    const value = integer[1] === 'u' ? [0n, 2n ** bits - 1n, random.below(2n ** bits), random.below(2n ** bits)][edge] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n, random.below(2n ** bits) - 2n ** (bits - 1n), 0n][edge];
    return bits <= 48n ? Number(value) : value;
  }
  throw new Error(`no random value for ${param.type}`);
}

function randomLog(random: SeededRandom, event: AbiEvent): Log<bigint, number, false> {
  const args = Object.fromEntries(event.inputs.map((input) => [input.name, randomValue(random, input)]));
  const topics = encodeEventTopics({ abi: [event], eventName: event.name, args: Object.fromEntries(event.inputs.filter((input) => input.indexed).map((input) => [input.name, args[input.name as string]])) } as never);
  const dataInputs = event.inputs.filter((input) => !input.indexed);
  const data = dataInputs.length > 0 ? encodeAbiParameters(dataInputs, dataInputs.map((input) => args[input.name as string])) : '0x';
  return {
    address: CONTRACT.toLowerCase() as Address,
    topics: topics as [Hex, ...Hex[]],
    data,
    blockNumber: 7n,
    blockHash: `0x${'ab'.repeat(32)}`,
    logIndex: random.int(1_000),
    transactionHash: `0x${'cd'.repeat(32)}`,
    transactionIndex: 0,
    removed: false,
  };
}

/** What ingest decoded before: viem's strict `decodeEventLog` over the whole ABI, undefined where it throws. */
function viemDecoded(role: ContractRole, log: Log<bigint, number, false>) {
  let decoded: { eventName: string; args: unknown };
  try {
    decoded = decodeEventLog({ abi: INGEST_ABIS[role] as Abi, data: log.data, topics: log.topics, strict: true }) as { eventName: string; args: unknown };
  } catch {
    return undefined;
  }
  return { contract: role, eventName: decoded.eventName, args: decoded.args, eid: EID, address: CONTRACT, blockNumber: log.blockNumber, blockHash: log.blockHash, logIndex: log.logIndex, transactionHash: log.transactionHash };
}

const ROLES = Object.keys(INGEST_ABIS) as ContractRole[];

describe('decodeIngestedLog', () => {
  for (const role of ROLES) {
    const events = (INGEST_ABIS[role] as Abi).filter((item): item is AbiEvent => item.type === 'event');
    it(`decodes every ${role} event (${events.length}) exactly as viem does, and skips the logs that do not fit where viem throws`, () => {
      const roles = new Map([[CONTRACT, role]]);
      const random = new SeededRandom(BigInt(ROLES.indexOf(role) + 1));
      let compared = 0;
      let skipped = 0;
      for (const event of events) {
        for (let round = 0; round < ROUNDS; round++) {
          const log = randomLog(random, event);
          const decoded = decodeIngestedLog(EID, roles, log);
          expect(decoded).toBeDefined();
          expect(decoded).toEqual(viemDecoded(role, log));
          // The same object shape, key for key (args in the ABI's topic-then-data order).
          expect(JSON.stringify(decoded, (_, value) => (typeof value === 'bigint' ? `${value}n` : value))).toBe(JSON.stringify(viemDecoded(role, log), (_, value) => (typeof value === 'bigint' ? `${value}n` : value)));
          compared += 1;
          const indexedCount = event.inputs.filter((input) => input.indexed).length;
          const malformed: Log<bigint, number, false>[] = [
            { ...log, topics: [`0x${'ee'.repeat(32)}`, ...log.topics.slice(1)] as [Hex, ...Hex[]] },
            { ...log, topics: [] as unknown as [Hex, ...Hex[]] },
            { ...log, topics: [...log.topics, `0x${'01'.repeat(32)}`] as [Hex, ...Hex[]] },
            { ...log, data: `0x${'00'.repeat(32 * 12)}` },
          ];
          if (indexedCount > 0) malformed.push({ ...log, topics: log.topics.slice(0, -1) as [Hex, ...Hex[]] });
          if (log.data !== '0x') malformed.push({ ...log, data: log.data.slice(0, -2) as Hex }, { ...log, data: log.data.slice(0, 2 + 62) as Hex }, { ...log, data: '0x' });
          for (const bad of malformed) {
            const expected = viemDecoded(role, bad);
            expect(decodeIngestedLog(EID, roles, bad)).toEqual(expected);
            if (expected === undefined) skipped += 1;
          }
        }
      }
      expect(compared).toBe(events.length * ROUNDS);
      // Some of the malformed logs are ones viem refuses (and so are skipped): the comparison covered that side too.
      expect(skipped).toBeGreaterThan(events.length * ROUNDS);
    });
  }

  it('skips the log of a contract it does not follow', () => {
    const event = (INGEST_ABIS.vault as Abi).find((item): item is AbiEvent => item.type === 'event' && item.name === 'Deposited') as AbiEvent;
    const log = randomLog(new SeededRandom(9n), event);
    expect(decodeIngestedLog(EID, new Map([[CONTRACT, 'vault']]), log)?.eventName).toBe('Deposited');
    expect(decodeIngestedLog(EID, new Map(), log)).toBeUndefined();
    // The mirror's ABI has no `Deposited`: the vault's log at a mirror's address is skipped.
    expect(decodeIngestedLog(EID, new Map([[CONTRACT, 'mirror']]), log)).toBeUndefined();
  });
});
