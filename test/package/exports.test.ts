/**
 * The package as users import it: `import { sessionMachine, createAgentSession } from
 * 'voicechart'` resolves through the exports map to the built files, and the machine's directed
 * graph has the five lifecycle states under the agent region.
 */
import { describe, expect, it } from 'vitest';
import { toDirectedGraph } from 'xstate/graph';

describe('package exports', () => {
  it('exports the machine and the session factory from the package root', async () => {
    const pkg = await import('voicechart');
    expect(typeof pkg.createAgentSession).toBe('function');
    expect(pkg.sessionMachine.id).toBe('session');
    expect(typeof pkg.SimulatedClock).toBe('function');
  });

  it('the directed graph contains IDLE, LISTENING, THINKING, SPEAKING and PAUSED', async () => {
    const { sessionMachine } = await import('voicechart');
    const graph = toDirectedGraph(sessionMachine);
    const agent = graph.children.find((c) => c.id === 'session.agent');
    const lifecycle = agent?.children.map((c) => c.stateNode.key);
    expect(lifecycle).toEqual(['IDLE', 'LISTENING', 'THINKING', 'SPEAKING', 'PAUSED']);
  });
});

describe('subpath exports', () => {
  it('voicechart/local and voicechart/openai resolve to the built providers', async () => {
    const local = await import('voicechart/local');
    expect(typeof local.SileroVad).toBe('function');
    expect(typeof local.PocketsphinxStt).toBe('function');
    expect(typeof local.createLocalStack).toBe('function');
    const openai = await import('voicechart/openai');
    expect(typeof openai.OpenAiLlm).toBe('function');
  });
});

describe('voicechart/mcp', () => {
  it('resolves to the built MCP client', async () => {
    const mcp = await import('voicechart/mcp');
    expect(typeof mcp.connectMcp).toBe('function');
  });
});

describe('voicechart/telephony', () => {
  it('resolves to the built Twilio transport and G.711 codecs', async () => {
    const t = await import('voicechart/telephony');
    expect(typeof t.twilioMediaStreamsServer).toBe('function');
    expect(t.MULAW_SILENCE).toBe(0xff);
  });
});

describe('voicechart/deepgram', () => {
  it('resolves to the built Deepgram provider', async () => {
    const dg = await import('voicechart/deepgram');
    expect(typeof dg.DeepgramStt).toBe('function');
  });
});

describe('voicechart/cartesia', () => {
  it('resolves to the built Cartesia provider', async () => {
    const c = await import('voicechart/cartesia');
    expect(typeof c.CartesiaTts).toBe('function');
  });
});

describe('voicechart/browser', () => {
  it('resolves to the built browser transport', async () => {
    const b = await import('voicechart/browser');
    expect(typeof b.browserTransportServer).toBe('function');
  });
});

describe('voicechart/server', () => {
  it('resolves to the built agent server', async () => {
    const s = await import('voicechart/server');
    expect(typeof s.createAgentServer).toBe('function');
  });
});
