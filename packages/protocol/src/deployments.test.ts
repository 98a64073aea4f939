import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, getAddress, keccak256, slice, stringToHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentsError, chainByEid, contractAddress, homeChain } from './deployment-graph.ts';
import { type Deployments, parseDeployments } from './deployments.ts';
import { loadDeployments } from './deployments-file.ts';
import { BallastError } from './errors.ts';
import { thrown } from './test-utils.ts';

/** A deterministic, checksummed address per label. */
function addressOf(label: string): Address {
  return getAddress(slice(keccak256(stringToHex(label)), 12));
}

function layerZero(chain: string) {
  return {
    endpoint: addressOf(`${chain}/endpoint`),
    sendUln302: addressOf(`${chain}/sendUln302`),
    receiveUln302: addressOf(`${chain}/receiveUln302`),
    priceFeed: addressOf(`${chain}/priceFeed`),
    dvn: addressOf(`${chain}/dvn`),
    dvnFeeLib: addressOf(`${chain}/dvnFeeLib`),
    executor: addressOf(`${chain}/executor`),
    executorFeeLib: addressOf(`${chain}/executorFeeLib`),
    dvnVid: 1,
    dvnSigners: [addressOf('dvn-signer')],
    dvnQuorum: 1,
  };
}

/** A fresh valid 3-chain deployments object (a plain JSON value, as read from disk). */
function validDeployments() {
  return {
    version: 1,
    network: 'devnet',
    chains: ['home', 'remote1', 'remote2'].map((name, index) => ({
      name,
      role: index === 0 ? 'home' : 'remote',
      chainId: 31_338 + index,
      eid: 40_101 + index,
      rpcUrl: `http://127.0.0.1:${8_545 + index}`,
      confirmations: 0,
      layerZero: layerZero(name),
      contracts: index === 0 ? { pingOApp: addressOf(`${name}/pingOApp`) } : {},
      startBlock: 10 * index,
    })),
  };
}

type Mutable = ReturnType<typeof validDeployments>;
type Chain = Mutable['chains'][number];

function chain(value: Mutable, index: number): Chain {
  const found = value.chains[index];
  if (!found) throw new Error(`no chain ${index}`);
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Asserts parseDeployments throws a DeploymentsError whose first reported field is `path` and whose message has `text`. */
function expectInvalid(value: unknown, path: string, text?: string): DeploymentsError {
  const error = thrown(() => parseDeployments(value));
  expect(error).toBeInstanceOf(DeploymentsError);
  expect(error).toBeInstanceOf(BallastError);
  const deploymentsError = error as DeploymentsError;
  expect(deploymentsError.name).toBe('DeploymentsError');
  expect(deploymentsError.shortMessage).toMatch(new RegExp(`^Invalid deployments in deployments: ${escapeRegExp(path)}: `));
  if (text) expect(deploymentsError.shortMessage).toContain(text);
  expect(deploymentsError.details).toContain(`${path}: `);
  expect(deploymentsError.docsPath).toBe('DEVNET.md#deployments-file');
  return deploymentsError;
}

describe('parseDeployments', () => {
  it('accepts a valid 3-chain deployments object and returns it unchanged', () => {
    const value = validDeployments();
    const parsed: Deployments = parseDeployments(value);
    expect(parsed).toEqual(value);
    expect(parsed.chains.map((c) => c.eid)).toEqual([40_101, 40_102, 40_103]);
    expect(parsed.chains.filter((c) => c.role === 'home')).toHaveLength(1);
  });

  it('accepts lower-case addresses and returns them checksummed', () => {
    const value = validDeployments();
    const checksummed = getAddress(chain(value, 1).layerZero.endpoint);
    chain(value, 1).layerZero.endpoint = checksummed.toLowerCase() as Address;
    expect(parseDeployments(value).chains[1]?.layerZero.endpoint).toBe(checksummed);
  });

  it('names a bad LayerZero address by its path', () => {
    const value = validDeployments();
    chain(value, 1).layerZero.endpoint = '0x1234' as Address;
    expectInvalid(value, 'chains.1.layerZero.endpoint', 'not a 20-byte hex address');
  });

  it('names a bad contract address and a bad DVN signer by their paths', () => {
    const contract = validDeployments();
    chain(contract, 0).contracts = { pingOApp: 'not-an-address' as Address };
    expectInvalid(contract, 'chains.0.contracts.pingOApp', 'not a 20-byte hex address');

    const signer = validDeployments();
    chain(signer, 2).layerZero.dvnSigners = [addressOf('ok'), `0x${'zz'.repeat(20)}` as Address];
    expectInvalid(signer, 'chains.2.layerZero.dvnSigners.1', 'not a 20-byte hex address');
  });

  it('accepts an optional governance block and names a bad field in it by its path', () => {
    const governance = { timelock: addressOf('home/timelock'), minDelay: 172_800, guardian: addressOf('guardian') };
    const value = validDeployments();
    const governed = { ...value, chains: [{ ...chain(value, 0), governance }, ...value.chains.slice(1)] };
    expect(parseDeployments(governed).chains[0]?.governance).toEqual(governance);
    expect(parseDeployments(governed).chains[1]?.governance).toBeUndefined();

    const badTimelock = { ...value, chains: [{ ...chain(value, 0), governance: { ...governance, timelock: '0x12' } }, ...value.chains.slice(1)] };
    expectInvalid(badTimelock, 'chains.0.governance.timelock', 'not a 20-byte hex address');
  });

  it('rejects a duplicate eid on the second chain that uses it', () => {
    const value = validDeployments();
    chain(value, 2).eid = chain(value, 0).eid;
    expectInvalid(value, 'chains.2.eid', 'duplicate eid 40101');
  });

  it('rejects a duplicate name and a duplicate chainId', () => {
    const name = validDeployments();
    chain(name, 1).name = 'home';
    expectInvalid(name, 'chains.1.name', 'duplicate name home');

    const chainId = validDeployments();
    chain(chainId, 2).chainId = chain(chainId, 1).chainId;
    expectInvalid(chainId, 'chains.2.chainId', 'duplicate chainId 31339');
  });

  it('rejects zero home chains', () => {
    const value = validDeployments();
    chain(value, 0).role = 'remote';
    expectInvalid(value, 'chains', 'exactly one chain must have role "home"');
  });

  it('rejects two home chains', () => {
    const value = validDeployments();
    chain(value, 2).role = 'home';
    expectInvalid(value, 'chains', 'exactly one chain must have role "home"');
  });

  it('names a missing field by its path', () => {
    const rpc = validDeployments() as Record<string, unknown> & Mutable;
    delete (chain(rpc, 0) as Partial<Chain>).rpcUrl;
    expectInvalid(rpc, 'chains.0.rpcUrl');

    const quorum = validDeployments();
    delete (chain(quorum, 1).layerZero as Partial<Chain['layerZero']>).dvnQuorum;
    expectInvalid(quorum, 'chains.1.layerZero.dvnQuorum');

    const version = validDeployments() as Partial<Mutable>;
    delete version.version;
    expectInvalid(version, 'version');
  });

  it('rejects other malformed fields', () => {
    const role = validDeployments();
    (chain(role, 1) as { role: string }).role = 'satellite';
    expectInvalid(role, 'chains.1.role');

    const eid = validDeployments();
    chain(eid, 1).eid = 0;
    expectInvalid(eid, 'chains.1.eid');

    const name = validDeployments();
    chain(name, 1).name = 'Remote 1';
    expectInvalid(name, 'chains.1.name', 'lower-case letters, digits and dashes');

    const noChains = { ...validDeployments(), chains: [] };
    expectInvalid(noChains, 'chains');

    const version2 = { ...validDeployments(), version: 2 };
    expectInvalid(version2, 'version');
  });

  it('reports the root for a value that is not an object, and every bad field in the details', () => {
    expectInvalid(null, '(root)');
    const value = validDeployments();
    chain(value, 0).layerZero.dvn = '0x' as Address;
    chain(value, 2).startBlock = -1;
    const error = expectInvalid(value, 'chains.0.layerZero.dvn');
    expect(error.details).toContain('chains.2.startBlock: ');
    expect(error.details?.split('\n')).toHaveLength(2);
  });

  it('names the source in the message', () => {
    const value = validDeployments();
    chain(value, 0).eid = -5;
    const error = thrown(() => parseDeployments(value, '/etc/ballast/deployments.json')) as DeploymentsError;
    expect(error).toBeInstanceOf(DeploymentsError);
    expect(error.shortMessage).toMatch(/^Invalid deployments in \/etc\/ballast\/deployments\.json: chains\.0\.eid: /);
  });
});

describe('chainByEid / homeChain / contractAddress', () => {
  const deployments = parseDeployments(validDeployments());

  it('find chains and contracts', () => {
    expect(chainByEid(deployments, 40_102).name).toBe('remote1');
    expect(homeChain(deployments).name).toBe('home');
    expect(contractAddress(homeChain(deployments), 'pingOApp')).toBe(addressOf('home/pingOApp'));
  });

  it('throw DeploymentsError for an unknown eid or contract', () => {
    expect(() => chainByEid(deployments, 1)).toThrow(DeploymentsError);
    expect(() => chainByEid(deployments, 1)).toThrow('No chain with eid 1 in deployments (40101, 40102, 40103).');
    expect(() => contractAddress(chainByEid(deployments, 40_102), 'pingOApp')).toThrow(
      'No contract "pingOApp" on chain remote1 (has: none).',
    );
  });
});

describe('loadDeployments', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ballast-deployments-test-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a deployments file', async () => {
    const path = join(dir, 'valid.json');
    await writeFile(path, `${JSON.stringify(validDeployments(), null, 2)}\n`);
    expect(await loadDeployments(path)).toEqual(validDeployments());
  });

  it('throws DeploymentsError for a missing file, with the read error as cause', async () => {
    const path = join(dir, 'missing.json');
    const error = await rejection(loadDeployments(path));
    expect(error).toBeInstanceOf(DeploymentsError);
    const deploymentsError = error as DeploymentsError;
    expect(deploymentsError.shortMessage).toBe(
      `Cannot read deployments file ${path}. Start the devnet (pnpm devnet) or pass the right path.`,
    );
    expect((deploymentsError.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('throws DeploymentsError for a directory', async () => {
    const error = await rejection(loadDeployments(dir));
    expect(error).toBeInstanceOf(DeploymentsError);
    expect((error as DeploymentsError).shortMessage).toContain(`Cannot read deployments file ${dir}.`);
  });

  it('throws DeploymentsError for a file that is not JSON, with the parse error as cause', async () => {
    for (const [file, text] of [['garbage.json', 'chains: [home]\n'], ['empty.json', ''], ['truncated.json', '{"version": 1, ']]) {
      const path = join(dir, file as string);
      await writeFile(path, text as string);
      const error = await rejection(loadDeployments(path));
      expect(error).toBeInstanceOf(DeploymentsError);
      expect((error as DeploymentsError).shortMessage).toBe(`Deployments file ${path} is not JSON.`);
      expect((error as DeploymentsError).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('names the file and the field for valid JSON that is not valid deployments', async () => {
    const path = join(dir, 'invalid.json');
    const value = validDeployments();
    chain(value, 1).eid = chain(value, 0).eid;
    await writeFile(path, JSON.stringify(value));
    const error = await rejection(loadDeployments(path));
    expect(error).toBeInstanceOf(DeploymentsError);
    expect((error as DeploymentsError).shortMessage).toBe(`Invalid deployments in ${path}: chains.1.eid: duplicate eid 40101.`);
  });
});
