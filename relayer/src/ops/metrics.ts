// The relayer's Prometheus registry, on prom-client (the ecosystem's registry and text format), with
// Node's process and event-loop metrics (`process_*`, `nodejs_*`) added by prom-client. Values kept
// elsewhere (ingest's snapshot, queue depths in Redis) are read by collectors run before each render.
// Every service of a relayer process adds its metrics to the one registry it is given; registering a
// name again returns the metric already there, so two services may share one (e.g. `ballast_jobs_failed_total`).
import { BallastError } from '@ballast/protocol';
import * as prom from 'prom-client';

/** Thrown when a metric is declared or used against its declaration (a programming error, not an operator's). */
export class MetricDefinitionError extends BallastError {
  override name = 'MetricDefinitionError';
}

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string | number>>;

/** What every metric is declared with. */
export type MetricOptions<labelName extends string = string> = {
  /** `ballast_…`, snake case, a unit suffix (`_seconds`, `_blocks`) and `_total` for counters. */
  name: string;
  /** One line: what it counts or measures. */
  help: string;
  labelNames?: readonly labelName[];
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type SeriesLabels<labelName extends string> = Partial<Record<labelName, string | number>>;

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

  /**
   * `labels` checked against the declared names and put in their order, so a series renders its labels
   * in one order whatever order a caller wrote them in.
   */
  protected ordered(labels: SeriesLabels<labelName>): prom.LabelValues<labelName> {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || given.some((name) => !this.labelNames.includes(name as labelName))) {
      throw new MetricDefinitionError(`Metric ${this.name} takes labels [${this.labelNames.join(', ')}], got [${given.join(', ')}].`);
    }
    const ordered: Partial<Record<labelName, string | number>> = {};
    for (const name of this.labelNames) ordered[name] = labels[name];
    return ordered as prom.LabelValues<labelName>;
  }
}

/** Only goes up (resets when the process restarts; Prometheus' `rate()` handles that). */
export class Counter<labelName extends string = string> extends Metric<labelName> {
  readonly type = 'counter' as const;
  readonly #counter: prom.Counter<labelName>;

  constructor(options: MetricOptions<labelName>, registry: prom.Registry) {
    super(options);
    this.#counter = new prom.Counter({ name: options.name, help: options.help, labelNames: [...this.labelNames], registers: [registry] });
  }

  /** Adds `by` (1 unless given) to the series of `labels`; a negative `by` is a `MetricDefinitionError`. */
  inc(labels: SeriesLabels<labelName> = {}, by = 1): void {
    if (by < 0) throw new MetricDefinitionError(`Counter ${this.name} cannot go down (inc by ${by}).`);
    this.#counter.inc(this.ordered(labels), by);
  }

  /** Sets the running total of a count kept elsewhere (e.g. ingest's snapshot), read by a collector. */
  setTotal(labels: SeriesLabels<labelName>, total: number): void {
    const ordered = this.ordered(labels);
    this.#counter.remove(ordered);
    this.#counter.inc(ordered, total);
  }

  /** Drops every series. */
  reset(): void {
    this.#counter.reset();
  }
}

/** A value that goes up and down. */
export class Gauge<labelName extends string = string> extends Metric<labelName> {
  readonly type = 'gauge' as const;
  readonly #gauge: prom.Gauge<labelName>;

  constructor(options: MetricOptions<labelName>, registry: prom.Registry) {
    super(options);
    this.#gauge = new prom.Gauge({ name: options.name, help: options.help, labelNames: [...this.labelNames], registers: [registry] });
  }

  /** Sets the series of `labels` to `value`. */
  set(labels: SeriesLabels<labelName>, value: number): void {
    this.#gauge.set(this.ordered(labels), value);
  }

  /** Adds `by` (1 unless given) to the series of `labels`. */
  inc(labels: SeriesLabels<labelName> = {}, by = 1): void {
    this.#gauge.inc(this.ordered(labels), by);
  }

  /** Takes `by` (1 unless given) from the series of `labels`. */
  dec(labels: SeriesLabels<labelName> = {}, by = 1): void {
    this.#gauge.dec(this.ordered(labels), by);
  }

  /** Drops every series (collectors reset a gauge whose label sets can disappear, e.g. a removed queue). */
  reset(): void {
    this.#gauge.reset();
  }
}

/** What a histogram is declared with. */
export type HistogramOptions<labelName extends string = string> = MetricOptions<labelName> & {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets: readonly number[];
};

/** Observations counted in cumulative buckets, with their sum and count. */
export class Histogram<labelName extends string = string> extends Metric<labelName> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];
  readonly #histogram: prom.Histogram<labelName>;

  constructor(options: HistogramOptions<labelName>, registry: prom.Registry) {
    super(options);
    if (options.buckets.some((bound, index) => index > 0 && bound <= (options.buckets[index - 1] as number))) {
      throw new MetricDefinitionError(`Buckets of histogram ${options.name} must be ascending.`);
    }
    this.buckets = options.buckets;
    this.#histogram = new prom.Histogram({ name: options.name, help: options.help, labelNames: [...this.labelNames], buckets: [...options.buckets], registers: [registry] });
  }

  /** Counts `value` in every bucket whose bound is at least `value`, and in the sum and count of `labels`. */
  observe(labels: SeriesLabels<labelName>, value: number): void {
    this.#histogram.observe(this.ordered(labels), value);
  }
}

type AnyMetric = Counter | Gauge | Histogram;

/** Reads values kept elsewhere into the registry's metrics; run before each render. */
export type MetricsCollector = () => Promise<void> | void;

/** Options of {@link MetricsRegistry}. */
export type MetricsRegistryOptions = {
  /**
   * How long a collector may take before the scrape goes on without it.
   * @defaultValue 2000
   */
  collectTimeoutMs?: number;
  /**
   * Adds prom-client's default metrics: CPU, memory, open handles, GC and event-loop lag of this process
   * (`process_*`, `nodejs_*`).
   * @defaultValue true
   */
  processMetrics?: boolean;
};

/** The metrics of one relayer process and the collectors that fill them, rendered for `/metrics`. */
export class MetricsRegistry {
  /** The `Content-Type` of `render()`'s output (the Prometheus text format, version 0.0.4). */
  static readonly contentType: string = prom.Registry.PROMETHEUS_CONTENT_TYPE;
  readonly #registry = new prom.Registry();
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #collectors = new Map<string, MetricsCollector>();
  readonly #collectorErrors: Counter<'collector'>;
  /** How long a collector may take before the scrape goes on without it. */
  readonly collectTimeoutMs: number;

  constructor({ collectTimeoutMs = 2_000, processMetrics = true }: MetricsRegistryOptions = {}) {
    this.collectTimeoutMs = collectTimeoutMs;
    this.#collectorErrors = this.counter({
      name: 'ballast_metrics_collect_errors_total',
      help: 'Collectors that failed or timed out during a scrape (their metrics keep the last values).',
      labelNames: ['collector'],
    });
    if (processMetrics) prom.collectDefaultMetrics({ register: this.#registry });
  }

  /** Registers a counter, or returns the one already registered under its name (same type and labels). */
  counter<labelName extends string = never>(options: MetricOptions<labelName>): Counter<labelName> {
    return this.#register(options, 'counter', () => new Counter(options, this.#registry)) as Counter<labelName>;
  }

  /** Registers a gauge, or returns the one already registered under its name (same type and labels). */
  gauge<labelName extends string = never>(options: MetricOptions<labelName>): Gauge<labelName> {
    return this.#register(options, 'gauge', () => new Gauge(options, this.#registry)) as Gauge<labelName>;
  }

  /** Registers a histogram, or returns the one already registered under its name (same type, labels). */
  histogram<labelName extends string = never>(options: HistogramOptions<labelName>): Histogram<labelName> {
    return this.#register(options, 'histogram', () => new Histogram(options, this.#registry)) as Histogram<labelName>;
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
    return this.#registry.metrics();
  }

  #register(options: MetricOptions, type: AnyMetric['type'], create: () => AnyMetric): AnyMetric {
    const existing = this.#metrics.get(options.name);
    if (!existing) {
      const created = create();
      this.#metrics.set(options.name, created);
      return created;
    }
    const same = existing.type === type && existing.labelNames.join(',') === (options.labelNames ?? []).join(',');
    if (!same) throw new MetricDefinitionError(`Metric ${options.name} is already registered as a ${existing.type} with labels [${existing.labelNames.join(', ')}].`);
    return existing;
  }
}
