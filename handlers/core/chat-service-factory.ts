/**
 * Wiring for one invocation: a ChatService over the container's SDK clients (created once, on first
 * use) with the invocation's logger, so delivery warnings carry the request id, and its metrics
 * writer, which writes one deliveries line per fan-out.
 */
import { METRICS } from '../../lib/metrics';
import { ChatService } from './chat-service';
import { getConfig, type ChatConfig } from './config';
import { FrameDelivery, deleteGoneConnection, managementApiPoster } from './delivery';
import type { Logger } from './logging';
import { createMetricsWriter, type MetricsWriter } from './metrics';
import { createStorage, getDocumentClient } from './storage';

export function createChatService(
  logger: Logger,
  config: ChatConfig = getConfig(),
  metrics: MetricsWriter = createMetricsWriter(),
): ChatService {
  const storage = createStorage(getDocumentClient(), config);
  const delivery = new FrameDelivery(
    // The endpoint is resolved on the first post: functions that never post need not have it.
    (connectionId, data) => managementApiPoster(config.connectionsEndpoint())(connectionId, data),
    deleteGoneConnection(storage.connections),
    logger,
    {
      onFanOut: (result, frameType) =>
        metrics.emit(
          {
            [METRICS.deliveriesDelivered]: result.delivered,
            [METRICS.deliveriesStale]: result.stale,
            [METRICS.deliveriesFailed]: result.failed,
          },
          { frameType },
        ),
    },
  );
  return new ChatService({ storage, delivery, config, logger });
}
