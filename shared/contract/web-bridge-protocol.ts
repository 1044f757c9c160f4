/**
 * The local web bridge's wire protocol, shared by the server and its browser/Node client.
 *  - POST  /api/call      body {method, input}, header `Authorization: Bearer <token>` -> WireResult
 *  - GET   /api/events    WebSocket, first message from the client is {token}; then {event, payload}
 * The token is handed to the page in the URL fragment (never sent to the server in a URL).
 */
export const webBridgePaths = { call: '/api/call', events: '/api/events' } as const;

export interface WebCallBody {
  method: string;
  input: unknown;
}

export interface WebEventMessage {
  event: string;
  payload: unknown;
}

/** Sent by the server once the socket's token is accepted. */
export const readyEvent = '$ready';

/** Largest request body the bridge accepts; larger ones get a VALIDATION error, not a crash. */
export const maxRequestBytes = 4 * 1024 * 1024;
