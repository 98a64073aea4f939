// The ops server's dashboard (`GET /`): `ballast-relayer status` as one HTML page that refreshes itself —
// per chain the head and the cursors' lag, per queue its depth and pause, the packets whose delivery
// fails, the most recent failed jobs and the last audit. Read-only on purpose: the ops port has no
// authentication, so anything that changes state (replay, drain, resume) stays in the CLI, run by
// someone holding the Redis credentials. No script, no external asset: the page works offline.
import type { RelayerStatus } from './status.ts';

export type DashboardOptions = {
  /** Seconds between the page's reloads (0: never). @defaultValue 5 */
  refreshSeconds?: number;
  /** When the status was read, ms since the epoch. @defaultValue Date.now() */
  generatedAt?: number;
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` safe inside HTML text and quoted attributes: revert reasons and RPC errors come from outside. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] as string);
}

const cell = (value: unknown, className?: string) => `<td${className ? ` class="${className}"` : ''}>${escapeHtml(value === null || value === undefined ? '—' : String(value))}</td>`;
const head = (...names: string[]) => `<tr>${names.map((name) => `<th>${escapeHtml(name)}</th>`).join('')}</tr>`;
const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));

function table(title: string, header: string, rows: string[], empty: string): string {
  const body = rows.length > 0 ? `<table>${header}${rows.join('')}</table>` : `<p class="empty">${escapeHtml(empty)}</p>`;
  return `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

/** The dashboard page of `status`. */
export function renderDashboard(status: RelayerStatus, { refreshSeconds = 5, generatedAt = Date.now() }: DashboardOptions = {}): string {
  const lag = (cursor: { block: string; lagBlocks: number | null } | null) => (cursor === null ? null : `${cursor.block} (${cursor.lagBlocks === null ? '?' : `−${cursor.lagBlocks}`})`);
  const chains = status.chains
    ? table(
        'Chains',
        head('chain', 'eid', 'role', 'head', 'ingest applied (lag)', 'courier cursor (lag)', 'RPC'),
        status.chains.map(
          (chain) =>
            `<tr>${cell(chain.chain)}${cell(chain.eid)}${cell(chain.role)}${cell(chain.headBlock)}${cell(lag(chain.ingest))}${cell(lag(chain.courier))}${cell(chain.headError ?? 'ok', chain.headError ? 'bad' : 'ok')}</tr>`,
        ),
        'No chains in the deployments.',
      )
    : `<section><h2>Chains</h2><p class="bad">${escapeHtml(status.chainsError ?? 'the deployments could not be read')}</p></section>`;
  const queues = table(
    'Queues',
    head('queue', 'paused', 'waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
    Object.entries(status.queues).map(
      ([name, depth]) =>
        `<tr>${cell(name)}${cell(depth.paused ? 'paused (drained)' : 'no', depth.paused ? 'bad' : 'ok')}${cell(depth.waiting)}${cell(depth.prioritized)}${cell(depth.active)}${cell(depth.delayed)}${cell(depth.failed, depth.failed > 0 ? 'bad' : undefined)}${cell(depth.completed)}</tr>`,
    ),
    'No queue under this prefix yet (one appears once a job is added or a worker runs).',
  );
  const failing = table(
    status.failingTotal > status.failing.length
      ? `Packets whose delivery fails (${status.failing.length} of ${status.failingTotal}; the rest: /status?offset=${status.failingOffset + status.failing.length})`
      : 'Packets whose delivery fails',
    head('guid', 'path', 'nonce', 'attempts', 'reason', 'first failed', 'last failed'),
    status.failing.map(
      (failure) =>
        `<tr>${cell(failure.guid, 'mono')}${cell(`${failure.srcEid} → ${failure.dstEid}`)}${cell(failure.nonce)}${cell(failure.attempts)}${cell(failure.reason, 'bad')}${cell(time(failure.firstFailedAt))}${cell(time(failure.lastFailedAt))}</tr>`,
    ),
    'None: every packet seen was delivered or is on its way.',
  );
  const failedJobs = table(
    'Recent failed jobs',
    head('queue', 'job', 'name', 'attempts', 'reason', 'failed at'),
    status.failedJobs.map((job) => `<tr>${cell(job.queue)}${cell(job.id, 'mono')}${cell(job.name)}${cell(job.attempts)}${cell(job.reason, 'bad')}${cell(time(job.failedAt))}</tr>`),
    'None.',
  );
  const audit = status.audit
    ? table(
        'Last audit of the reconcile store',
        head('finished', 'by', 'accounts', 'drifted accounts', 'differences by chain and kind'),
        [
          `<tr>${cell(time(status.audit.finishedAt))}${cell(status.audit.auditor)}${cell(status.audit.accounts)}${cell(status.audit.driftedAccounts, status.audit.driftedAccounts > 0 ? 'bad' : 'ok')}${cell(
            Object.entries(status.audit.differencesByKind)
              .map(([kind, count]) => `${kind}: ${count}`)
              .join(', ') || 'none',
          )}</tr>`,
        ],
        '',
      )
    : table('Last audit of the reconcile store', '', [], 'No audit has run under this prefix yet.');
  const refresh = refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>Ballast relayer · ${escapeHtml(status.prefix)}</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.3em 0 1em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f3f3f3}.bad{color:#b00020;font-weight:600}.ok{color:#176e2c}.mono{font-family:ui-monospace,monospace;font-size:12px}.empty{color:#666}h2{font-size:1.05em;margin:1.2em 0 .2em}</style>
</head><body>
<h1>Ballast relayer · prefix <code>${escapeHtml(status.prefix)}</code></h1>
<p>Read at ${escapeHtml(time(generatedAt) as string)}${refreshSeconds > 0 ? `; this page reloads every ${refreshSeconds} s` : ''}. JSON: <a href="/status">/status</a> · <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a>. To retry a packet, drain or resume: <code>ballast-relayer replay | drain | resume</code>.</p>
${chains}
${queues}
${failing}
${failedJobs}
${audit}
</body></html>
`;
}
