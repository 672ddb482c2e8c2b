/**
 * inspect: 'stately' starts @statelyai/inspect's local bridge (no browser opened) and streams the
 * session to it redacted: a viewer connected to the bridge (what the page it serves does before
 * handing the events to stately.ai/inspect) gets Stately events with no transcript in them.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startInspectedConversation } from '../helpers/inspect-fixture.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe("inspect: 'stately'", () => {
  it('streams redacted Stately events to the bridge, which relays them to a viewer', async () => {
    const port = await freePort();
    const conv = startInspectedConversation({ inspect: { stately: true, port } });
    const viewer = new WebSocket(`ws://127.0.0.1:${port}`);
    const messages: string[] = [];
    viewer.on('message', (data) => messages.push(data.toString()));
    await new Promise<void>((resolve, reject) => {
      viewer.once('open', () => resolve());
      viewer.once('error', reject);
    });
    for (let t = 0; t < conv.endMs; t += 50) await conv.clock.advance(50);
    for (let i = 0; i < 100 && !messages.some((m) => m.includes('stt.final')); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await conv.session.close();
    viewer.close();
    const events = messages.map((m) => JSON.parse(m) as { type: string; _version?: string });
    expect(events.length).toBeGreaterThan(20);
    expect(
      events.every((e) => e.type.startsWith('@xstate.') && typeof e._version === 'string'),
    ).toBe(true);
    const all = messages.join('\n');
    expect(all).toContain('stt.final');
    expect(all).toMatch(/\[redacted: \d+ chars\]/);
    expect(all).not.toContain('weather like in paris');
    expect(all).not.toContain('In Paris it is eight degrees');
  });
});
