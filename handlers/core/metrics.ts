/**
 * Metrics without PutMetricData calls: one CloudWatch embedded metric format (EMF) JSON line on stdout
 * per event, which CloudWatch Logs turns into metrics of the namespace, dimension and names in
 * lib/metrics.ts. Written whatever the log level (they are metrics, not logs).
 *
 * A line carries the metric values, the dimension (the chat server's name) and server-side properties
 * only (request ids, server-generated message ids, refusal codes): never message text, metadata or ids
 * a client chose.
 */
import { METRIC_DIMENSION, METRIC_NAMESPACE, type MetricName } from '../../lib/metrics';
import { ENV, HANDLERS, functionSuffix, type HandlerId } from '../../lib/schema';

/** The dimension's value when neither ENV.instanceName nor a chat function's name says it (tests, scripts). */
export const FALLBACK_INSTANCE_NAME = 'chat-server';

/** Properties a metric line may carry besides its values: server-side facts only. */
export type MetricProperties = Readonly<Record<string, string | number | boolean | undefined>>;

const FUNCTION_SUFFIXES = (Object.keys(HANDLERS) as HandlerId[]).map((id) => `-${functionSuffix(id)}`);

/**
 * The chat server's name: ENV.instanceName; else (a stack deployed before the construct set it) the
 * function's name `<name>-<entry>` (lib/schema.ts functionName) without its entry suffix; else
 * FALLBACK_INSTANCE_NAME.
 */
export function metricInstanceName(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[ENV.instanceName]?.trim();
  if (configured) return configured;
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME ?? '';
  const suffix = FUNCTION_SUFFIXES.find((candidate) => functionName.endsWith(candidate) && functionName.length > candidate.length);
  return suffix ? functionName.slice(0, -suffix.length) : FALLBACK_INSTANCE_NAME;
}

/** The EMF object of one line: `values` as Count metrics under the chat server's dimension. */
export function metricLine(
  values: Partial<Record<MetricName, number>>,
  properties: MetricProperties = {},
  now: number = Date.now(),
): Record<string, unknown> {
  const names = Object.keys(values) as MetricName[];
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [[METRIC_DIMENSION]],
          Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    // Properties first: the dimension and the values are never overwritten by one.
    ...Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined)),
    [METRIC_DIMENSION]: metricInstanceName(),
    ...values,
  };
}

/** Writes a request's metric lines, each with the request's properties (its request id, ...). */
export interface MetricsWriter {
  /** One EMF line with these values (Counts) and properties. Nothing is written for no values. */
  emit(values: Partial<Record<MetricName, number>>, properties?: MetricProperties): void;
}

/** A writer to stdout whose lines all carry `properties`. */
export function createMetricsWriter(properties: MetricProperties = {}): MetricsWriter {
  return {
    emit(values, extra = {}) {
      if (Object.keys(values).length === 0) return;
      process.stdout.write(`${JSON.stringify(metricLine(values, { ...properties, ...extra }))}\n`);
    },
  };
}
