/**
 * The chat server's CloudWatch dashboard `<name>-chat`: connections, messages per second, ack latency
 * (integration latency), outbox lag, bot replies and refused bot replies under takeover, deliveries by outcome,
 * errors and throttles per function, and the depth of every dead-letter and failure queue. The handlers' metrics
 * come from lib/metrics.ts. The body is JSON in a fixed order (the same synth gives the same text) and is written
 * when the stack is synthesized, so bots subscribed after the construct are on it too.
 */
import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { METRICS, METRIC_DIMENSION, METRIC_NAMESPACE } from './metrics';
import { switchResource, type Switch } from './switch';

/** One metric line of a widget: namespace, name, dimension pairs, then its options. */
type MetricLine = Array<string | Record<string, unknown>>;

export interface DashboardWidget {
  readonly title: string;
  readonly metrics: MetricLine[];
  /** Seconds per data point. */
  readonly period: number;
  readonly stat: string;
}

export interface ChatDashboardProps {
  readonly name: string;
  readonly enabled: Switch;
  /** The region of the metrics (an expression known at apply). */
  readonly region: string;
  readonly apiId: string;
  readonly stageName: string;
  /** The functions, in HANDLERS order. */
  readonly functionNames: readonly string[];
  readonly outboxFunctionName: string;
  /** The queues whose depth is shown, read at synth (bots subscribed later included). */
  readonly queueNames: () => readonly string[];
}

/** The name of the dashboard of chat `name`. */
export function dashboardName(name: string): string {
  return `${name}-chat`;
}

/** Widgets on a 24-column grid, two per row. */
const WIDTH = 12;
const HEIGHT = 6;

/** What the widgets show: the chat's resources by name (the queues as they are at synth). */
export type DashboardResources = Omit<ChatDashboardProps, 'enabled' | 'region' | 'queueNames'> & { readonly queueNames: readonly string[] };

/** The widgets, in the order the dashboard shows them. */
export function dashboardWidgets(props: DashboardResources): DashboardWidget[] {
  const api = ['ApiId', props.apiId, 'Stage', props.stageName];
  const chat = (metric: string, options: Record<string, unknown> = {}): MetricLine => [METRIC_NAMESPACE, metric, METRIC_DIMENSION, props.name, options];
  const perFunction = (metric: string): MetricLine[] =>
    props.functionNames.map((functionName) => ['AWS/Lambda', metric, 'FunctionName', functionName, { label: functionName }]);
  return [
    { title: 'Connections (connects per minute)', period: 60, stat: 'Sum', metrics: [['AWS/ApiGateway', 'ConnectCount', ...api, { label: 'connects' }]] },
    {
      title: 'Messages per second',
      period: 60,
      stat: 'Sum',
      metrics: [
        [{ expression: 'sent / PERIOD(sent)', label: 'messages sent per second', id: 'perSecond' }],
        chat(METRICS.messagesSent, { id: 'sent', visible: false }),
        chat(METRICS.rateLimitedFrames, { label: 'rate-limited frames per minute' }),
      ],
    },
    {
      title: 'Ack latency (API Gateway integration latency, ms)',
      period: 60,
      stat: 'p50',
      metrics: [
        ['AWS/ApiGateway', 'IntegrationLatency', ...api, { stat: 'p50', label: 'p50' }],
        ['AWS/ApiGateway', 'IntegrationLatency', ...api, { stat: 'p99', label: 'p99' }],
      ],
    },
    {
      title: 'Outbox lag (IteratorAge, ms)',
      period: 60,
      stat: 'Maximum',
      metrics: [['AWS/Lambda', 'IteratorAge', 'FunctionName', props.outboxFunctionName, { label: 'oldest record read' }]],
    },
    {
      title: 'Bot replies',
      period: 60,
      stat: 'Sum',
      metrics: [
        chat(METRICS.botRepliesAccepted, { label: 'accepted' }),
        chat(METRICS.botRepliesRefusedTakeover, { label: 'refused: human takeover' }),
      ],
    },
    {
      title: 'Deliveries to connections',
      period: 60,
      stat: 'Sum',
      metrics: [
        chat(METRICS.deliveriesDelivered, { label: 'delivered' }),
        chat(METRICS.deliveriesStale, { label: 'stale (connection gone)' }),
        chat(METRICS.deliveriesFailed, { label: 'failed' }),
      ],
    },
    { title: 'Function errors', period: 300, stat: 'Sum', metrics: perFunction('Errors') },
    { title: 'Function throttles', period: 300, stat: 'Sum', metrics: perFunction('Throttles') },
    {
      title: 'Connects: authorizer decisions',
      period: 300,
      stat: 'Sum',
      metrics: [chat(METRICS.authorizerAllowed, { label: 'allowed' }), chat(METRICS.authorizerDenied, { label: 'denied' })],
    },
    {
      title: 'Dead-letter and failure queues (visible messages)',
      period: 300,
      stat: 'Maximum',
      metrics: props.queueNames.map((queueName) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queueName, { label: queueName }]),
    },
  ];
}

/** The dashboard body (CloudWatch's JSON): metric widgets, two per row. */
export function dashboardBody(widgets: readonly DashboardWidget[], region: string): string {
  return JSON.stringify({
    widgets: widgets.map((widget, index) => ({
      type: 'metric',
      x: (index % 2) * WIDTH,
      y: Math.floor(index / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title: widget.title,
        view: 'timeSeries',
        stacked: false,
        region,
        period: widget.period,
        stat: widget.stat,
        metrics: widget.metrics,
      },
    })),
  });
}

export class ChatDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: ChatDashboardProps) {
    super(scope, id);
    this.dashboard = switchResource(
      new CloudwatchDashboard(this, 'dashboard', {
        dashboardName: dashboardName(props.name),
        dashboardBody: Lazy.stringValue({
          produce: () => dashboardBody(dashboardWidgets({ ...props, queueNames: props.queueNames() }), props.region),
        }),
      }),
      props.enabled,
    );
  }
}
