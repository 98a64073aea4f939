// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format (version 0.0.4) that every Prometheus scraper reads. Values kept elsewhere (ingest's
// snapshot, queue depths in Redis) are read by collectors run before each render. Every service of a
// relayer process adds its metrics to the one registry it is given; registering a name again returns
// the metric already there, so two services may share one (e.g. `ballast_jobs_failed_total`).
import { BallastError } from '@ballast/protocol';

/** Thrown when a metric is declared or used against its declaration (a programming error, not an operator's). */
export class MetricDefinitionError extends BallastError {
  override name = 'MetricDefinitionError';
}

export type Labels = Readonly<Record<string, string | number>>;

export type MetricOptions<labelName extends string = string> = {
  /** `ballast_…`, snake case, a unit suffix (`_seconds`, `_blocks`) and `_total` for counters. */
  name: string;
  /** One line: what it counts or measures. */
  help: string;
  labelNames?: readonly labelName[];
};

type Series = { labels: Labels; value: number };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(String(value))}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

abstract class Metric<labelName extends string> {
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly labelName[];

  constructor({ name, help, labelNames = [] }: MetricOptions<labelName>) {
    if (!METRIC_NAME.test(name)) throw new MetricDefinitionError(`Metric name "${name}" is not a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*).`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') throw new MetricDefinitionError(`Label "${label}" of metric ${name} is not allowed.`);
    }
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** The series key of `labels`, checked against the declared label names. */
  protected key(labels: Partial<Record<labelName, string | number>>): { key: string; labels: Labels } {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || given.some((name) => !this.labelNames.includes(name as labelName))) {
      throw new MetricDefinitionError(`Metric ${this.name} takes labels [${this.labelNames.join(', ')}], got [${given.join(', ')}].`);
    }
    const ordered: Record<string, string | number> = {};
    for (const name of this.labelNames) ordered[name] = labels[name] as string | number;
    return { key: JSON.stringify(this.labelNames.map((name) => String(ordered[name]))), labels: ordered };
  }

  protected header(): string[] {
    return [`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} ${this.type}`];
  }

  abstract render(): string[];
}

abstract class ScalarMetric<labelName extends string> extends Metric<labelName> {
  protected readonly series = new Map<string, Series>();

  protected add(labels: Partial<Record<labelName, string | number>>, delta: number): void {
    const { key, labels: ordered } = this.key(labels);
    const series = this.series.get(key);
    if (series) series.value += delta;
    else this.series.set(key, { labels: ordered, value: delta });
  }

  protected put(labels: Partial<Record<labelName, string | number>>, value: number): void {
    const { key, labels: ordered } = this.key(labels);
    this.series.set(key, { labels: ordered, value });
  }

  /** The current value of one series (0 if never set). */
  get(labels: Partial<Record<labelName, string | number>> = {}): number {
    return this.series.get(this.key(labels).key)?.value ?? 0;
  }

  /** Drops every series (collectors reset a gauge whose label sets can disappear, e.g. a removed queue). */
  reset(): void {
    this.series.clear();
  }

  render(): string[] {
    return [...this.header(), ...[...this.series.values()].map((series) => `${this.name}${formatLabels(series.labels)} ${formatValue(series.value)}`)];
  }
}

/** Only goes up (resets when the process restarts; Prometheus' `rate()` handles that). */
export class Counter<labelName extends string = string> extends ScalarMetric<labelName> {
  readonly type = 'counter' as const;

  inc(labels: Partial<Record<labelName, string | number>> = {}, by = 1): void {
    if (by < 0) throw new MetricDefinitionError(`Counter ${this.name} cannot go down (inc by ${by}).`);
    this.add(labels, by);
  }

  /** Sets the running total of a count kept elsewhere (e.g. ingest's snapshot), read by a collector. */
  setTotal(labels: Partial<Record<labelName, string | number>>, total: number): void {
    this.put(labels, total);
  }
}

/** A value that goes up and down. */
export class Gauge<labelName extends string = string> extends ScalarMetric<labelName> {
  readonly type = 'gauge' as const;

  set(labels: Partial<Record<labelName, string | number>>, value: number): void {
    this.put(labels, value);
  }

  inc(labels: Partial<Record<labelName, string | number>> = {}, by = 1): void {
    this.add(labels, by);
  }

  dec(labels: Partial<Record<labelName, string | number>> = {}, by = 1): void {
    this.add(labels, -by);
  }
}

export type HistogramOptions<labelName extends string = string> = MetricOptions<labelName> & {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets: readonly number[];
};

type HistogramSeries = { labels: Labels; counts: number[]; sum: number; count: number };

/** Observations counted in cumulative buckets, with their sum and count. */
export class Histogram<labelName extends string = string> extends Metric<labelName> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(options: HistogramOptions<labelName>) {
    super(options);
    if (options.buckets.some((bound, index) => index > 0 && bound <= (options.buckets[index - 1] as number))) {
      throw new MetricDefinitionError(`Buckets of histogram ${options.name} must be ascending.`);
    }
    this.buckets = options.buckets;
  }

  observe(labels: Partial<Record<labelName, string | number>>, value: number): void {
    const { key, labels: ordered } = this.key(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: ordered, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    this.buckets.forEach((bound, index) => {
      if (value <= bound) (series as HistogramSeries).counts[index] = ((series as HistogramSeries).counts[index] as number) + 1;
    });
    series.sum += value;
    series.count += 1;
  }

  render(): string[] {
    const lines = this.header();
    for (const series of this.#series.values()) {
      this.buckets.forEach((bound, index) => lines.push(`${this.name}_bucket${formatLabels(series.labels, ['le', formatValue(bound)])} ${series.counts[index]}`));
      lines.push(`${this.name}_bucket${formatLabels(series.labels, ['le', '+Inf'])} ${series.count}`);
      lines.push(`${this.name}_sum${formatLabels(series.labels)} ${formatValue(series.sum)}`);
      lines.push(`${this.name}_count${formatLabels(series.labels)} ${series.count}`);
    }
    return lines;
  }
}

type AnyMetric = Counter | Gauge | Histogram;

/** Reads values kept elsewhere into the registry's metrics; run before each render. */
export type MetricsCollector = () => Promise<void> | void;

export class MetricsRegistry {
  /** The `Content-Type` of `render()`'s output. */
  static readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #collectors = new Map<string, MetricsCollector>();
  readonly #collectorErrors: Counter<'collector'>;
  /** How long a collector may take before the scrape goes on without it. */
  readonly collectTimeoutMs: number;

  constructor({ collectTimeoutMs = 2_000 }: { collectTimeoutMs?: number } = {}) {
    this.collectTimeoutMs = collectTimeoutMs;
    this.#collectorErrors = this.counter({
      name: 'ballast_metrics_collect_errors_total',
      help: 'Collectors that failed or timed out during a scrape (their metrics keep the last values).',
      labelNames: ['collector'],
    });
  }

  counter<labelName extends string = never>(options: MetricOptions<labelName>): Counter<labelName> {
    return this.#register(options, () => new Counter(options)) as Counter<labelName>;
  }

  gauge<labelName extends string = never>(options: MetricOptions<labelName>): Gauge<labelName> {
    return this.#register(options, () => new Gauge(options)) as Gauge<labelName>;
  }

  histogram<labelName extends string = never>(options: HistogramOptions<labelName>): Histogram<labelName> {
    return this.#register(options, () => new Histogram(options)) as Histogram<labelName>;
  }

  /** Adds (or replaces) the collector called `name`. */
  collect(name: string, collector: MetricsCollector): void {
    this.#collectors.set(name, collector);
  }

  /** Runs every collector (each bounded by `collectTimeoutMs`), then renders every metric. */
  async render(): Promise<string> {
    await Promise.all(
      [...this.#collectors].map(async ([name, collector]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(collector),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`collector ${name} took over ${this.collectTimeoutMs} ms`)), this.collectTimeoutMs);
            }),
          ]);
        } catch {
          this.#collectorErrors.inc({ collector: name });
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return `${[...this.#metrics.values()].flatMap((metric) => metric.render()).join('\n')}\n`;
  }

  #register(options: MetricOptions, create: () => AnyMetric): AnyMetric {
    const existing = this.#metrics.get(options.name);
    const created = create();
    if (!existing) {
      this.#metrics.set(options.name, created);
      return created;
    }
    const same = existing.type === created.type && existing.labelNames.join(',') === (options.labelNames ?? []).join(',');
    if (!same) throw new MetricDefinitionError(`Metric ${options.name} is already registered as a ${existing.type} with labels [${existing.labelNames.join(', ')}].`);
    return existing;
  }
}
