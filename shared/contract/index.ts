export * from './api.ts';
export * from './define.ts';
export * from './entities.ts';
export * from './errors.ts';
export * from './transport.ts';
export * from './client.ts';
export * from './web-bridge-protocol.ts';
