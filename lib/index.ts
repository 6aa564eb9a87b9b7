/** Package entry: the construct library and the shared schema contract. The bot/operator utility API (AWS SDK) is its own entry, `./utilities`, so importing the construct never loads the SDK. */
export * from './schema';
export * from './chat-server-props';
export * from './chat-server';
export * from './chat-infra-stack';
export * from './tables';
export * from './responder-topic';
export * from './websocket-api';
export * from './chat-function';
export * from './cognito-user-pool';
export * from './outbox';
export * from './outputs';
export * from './handler-wiring';
export * from './bundling';
export * from './checkov';
export * from './env-config';
export * from './iam';
