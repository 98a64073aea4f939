// clear: ends the liquidation of a flagged account whose home health is back at 1 or above
// (permissionless): home bumps its epoch to even and sends a CLEAR to every remote it flagged.
import type { BallastBaseClient } from '../client.ts';
import { type PreparedWrite, sendPrepared } from '../messages/prepare.ts';
import type { SentMessage, WriteReturnType } from '../messages/send.ts';
import { type FlagParameters, prepareNotices } from './flag.ts';

export type ClearParameters = FlagParameters;

export type ClearReturnType = WriteReturnType & { notices: SentMessage[]; fee: bigint };

/**
 * Checks, quotes and simulates a clear without sending it.
 *
 * @example
 * const prepared = await prepareClear(client, { account });
 */
export function prepareClear(client: BallastBaseClient, parameters: ClearParameters): Promise<PreparedWrite> {
  return prepareNotices(client, 'clear', parameters);
}

/**
 * Clears flagged `account`; returns the GUIDs of its CLEAR notices, one per flagged remote.
 *
 * @example
 * const { notices } = await client.clear({ account });
 */
export async function clear(client: BallastBaseClient, parameters: ClearParameters): Promise<ClearReturnType> {
  const prepared = await prepareClear(client, parameters);
  const result = await sendPrepared(client, prepared);
  return { ...result, notices: result.messages, fee: prepared.value };
}
