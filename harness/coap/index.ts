export * from './codes.js';
export * from './message.js';
export * from './errors.js';
export * from './endpoint.js';
