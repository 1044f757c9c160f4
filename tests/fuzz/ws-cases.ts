/**
 * Hostility on the event socket: bad tokens, garbage and oversized frames, other origins and
 * paths. Each case must end (the bridge closes or refuses the socket) without taking it down.
 */
import { WebSocket } from 'ws';
import { readyEvent, webBridgePaths } from '../../shared/contract/web-bridge-protocol.ts';

export interface WsCase {
  label: string;
  /** Resolves with what happened, or `timeout` when the socket neither closed nor answered. */
  run(port: number, timeoutMs: number): Promise<string>;
}

/** Opens a socket, sends `messages` once open, and reports how it ended. */
function socketCase(label: string, messages: Array<string | Buffer>, options: { path?: string; origin?: string; expectReady?: boolean } = {}): WsCase {
  return {
    label,
    run: (port, timeoutMs) =>
      new Promise((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? webBridgePaths.events}`, options.origin ? { origin: options.origin } : {});
        const timer = setTimeout(() => {
          socket.terminate();
          resolve('timeout');
        }, timeoutMs);
        const finish = (outcome: string) => {
          clearTimeout(timer);
          socket.terminate();
          resolve(outcome);
        };
        socket.on('open', () => {
          for (const message of messages) socket.send(message);
        });
        socket.on('message', (data) => {
          // A valid token gets the ready event: the socket works, the case is done.
          if (options.expectReady && String(data).includes(readyEvent)) finish('ready');
        });
        socket.on('close', (code) => finish(`closed ${code}`));
        socket.on('error', (error) => finish(`refused ${error.message.slice(0, 60)}`));
      }),
  };
}

export function wsCases(token: string): WsCase[] {
  return [
    socketCase('socket with a wrong token', [JSON.stringify({ token: 'nope' })]),
    socketCase('socket with a non-JSON first message', ['hello']),
    socketCase('socket with a binary first message', [Buffer.from([0xff, 0x00, 0xfe])]),
    socketCase('socket with an oversized first message', ['x'.repeat(100_000)]),
    socketCase('socket with a __proto__ token', ['{"__proto__":{"token":"x"}}']),
    socketCase('socket from another origin', [JSON.stringify({ token })], { origin: 'https://evil.example' }),
    socketCase('socket on another path', [JSON.stringify({ token })], { path: '/api/events/../call' }),
    socketCase('socket with garbage after the token', [JSON.stringify({ token }), ...Array.from({ length: 50 }, (_, i) => `garbage ${i}`)], { expectReady: true }),
  ];
}
