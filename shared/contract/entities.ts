/**
 * Shapes returned by the API. Timestamps are ISO-8601 strings in UTC. Each stored entity is one
 * zod schema in ./entities/, from which its type, its inputs and its defaults are derived.
 */
export * from './entities/app.ts';
export * from './entities/conversation-log.ts';
export * from './entities/dataset.ts';
export * from './entities/document.ts';
export * from './entities/evaluation.ts';
export * from './entities/model.ts';
export * from './entities/runtime.ts';
export * from './entities/session.ts';
export * from './entities/settings.ts';
export * from './entities/thread.ts';
export * from './entities/user.ts';
export * from './entities/workspace.ts';
export * from './entities/version.ts';
