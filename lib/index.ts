/** Package entry: the construct library, the shared schema contract and the utility API for bots and operators. */
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
export * from './utilities';
