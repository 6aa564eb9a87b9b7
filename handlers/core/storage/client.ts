/**
 * The DynamoDB DocumentClient, created once per container on first use with the SDK's default
 * configuration: region, credentials and endpoint come from the standard environment variables
 * (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB), so the local runtime and tests point it at dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let documentClient: DynamoDBDocumentClient | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

/** True for the error DynamoDB returns when a write's ConditionExpression is false. */
export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
