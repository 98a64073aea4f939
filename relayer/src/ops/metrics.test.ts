// The Prometheus text format as scrapers read it: HELP and TYPE lines, escaped label values, histogram
// buckets, collectors run per scrape, a failing collector that does not break the scrape, and the
// process and event-loop metrics prom-client adds.
import { describe, expect, test } from 'vitest';
import { MetricDefinitionError, MetricsRegistry } from './metrics.ts';

describe('MetricsRegistry', () => {
  test('renders counters and gauges with labels in the text format', async () => {
    const registry = new MetricsRegistry();
    const deliveries = registry.counter({ name: 'ballast_deliveries_total', help: 'Packets delivered.', labelNames: ['src_eid', 'status'] });
    deliveries.inc({ src_eid: 40101, status: 'delivered' });
    deliveries.inc({ status: 'delivered', src_eid: 40101 }, 2);
    registry.gauge({ name: 'ballast_note', help: 'Line one\nline two \\ end', labelNames: ['text'] }).set({ text: 'say "hi"\n\\' }, 1.5);
    const text = await registry.render();
    expect(text).toContain('# HELP ballast_deliveries_total Packets delivered.\n# TYPE ballast_deliveries_total counter\nballast_deliveries_total{src_eid="40101",status="delivered"} 3\n');
    expect(text).toContain('# HELP ballast_note Line one\\nline two \\\\ end\n# TYPE ballast_note gauge\nballast_note{text="say \\"hi\\"\\n\\\\"} 1.5\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  // prom-client writes `le` first in a bucket's labels; Prometheus reads a label set in any order.
  test('renders histograms as cumulative buckets with sum and count', async () => {
    const registry = new MetricsRegistry();
    const latency = registry.histogram({ name: 'ballast_latency_seconds', help: 'Latency.', labelNames: ['dst_eid'], buckets: [0.5, 1] });
    for (const value of [0.2, 0.7, 3]) latency.observe({ dst_eid: 40102 }, value);
    const text = await registry.render();
    expect(text).toContain(
      [
        'ballast_latency_seconds_bucket{le="0.5",dst_eid="40102"} 1',
        'ballast_latency_seconds_bucket{le="1",dst_eid="40102"} 2',
        'ballast_latency_seconds_bucket{le="+Inf",dst_eid="40102"} 3',
        'ballast_latency_seconds_sum{dst_eid="40102"} 3.9',
        'ballast_latency_seconds_count{dst_eid="40102"} 3',
      ].join('\n'),
    );
  });

  test('collectors run on each render; one that fails or hangs is counted and the rest still render', async () => {
    const registry = new MetricsRegistry({ collectTimeoutMs: 50 });
    const depth = registry.gauge({ name: 'ballast_queue_jobs', help: 'Jobs.', labelNames: ['queue'] });
    let calls = 0;
    registry.collect('queues', () => {
      calls += 1;
      depth.set({ queue: 'deliver' }, calls);
    });
    registry.collect('broken', () => Promise.reject(new Error('redis down')));
    registry.collect('slow', () => new Promise(() => {}));
    await registry.render();
    const text = await registry.render();
    expect(text).toContain('ballast_queue_jobs{queue="deliver"} 2');
    expect(text).toContain('ballast_metrics_collect_errors_total{collector="broken"} 2');
    expect(text).toContain('ballast_metrics_collect_errors_total{collector="slow"} 2');
  });

  test('a name registered again is the same metric; a clash or a wrong label is refused', () => {
    const registry = new MetricsRegistry();
    const first = registry.counter({ name: 'ballast_jobs_failed_total', help: 'Failed.', labelNames: ['queue'] });
    expect(registry.counter({ name: 'ballast_jobs_failed_total', help: 'Failed.', labelNames: ['queue'] })).toBe(first);
    expect(() => registry.gauge({ name: 'ballast_jobs_failed_total', help: 'x', labelNames: ['queue'] })).toThrow(MetricDefinitionError);
    expect(() => first.inc({ eid: 1 } as never)).toThrow('takes labels [queue]');
    expect(() => first.inc({ queue: 'deliver' }, -1)).toThrow('cannot go down');
    expect(() => registry.gauge({ name: 'bad-name', help: 'x' })).toThrow('not a Prometheus name');
  });

  test('exposes the process and event-loop metrics of this process, unless turned off', async () => {
    const text = await new MetricsRegistry().render();
    for (const family of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
      expect(text).toMatch(new RegExp(`^${family}(\\{[^}]*\\})? [0-9.e+-]+$`, 'm'));
    }
    const bare = await new MetricsRegistry({ processMetrics: false }).render();
    expect(bare).not.toContain('process_cpu_seconds_total');
    expect(bare).toContain('# TYPE ballast_metrics_collect_errors_total counter');
  });
});
