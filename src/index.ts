/**
 * voicechart: real-time voice agents around an explicit XState v5 statechart.
 *
 * @example
 * import { createAgentSession, sessionMachine } from 'voicechart';
 */
export * from './audio/index.ts';
export { type InspectOption, WebSocketSender } from './inspect/live.ts';
export { type GraphNode, type GraphTransition, machineGraph } from './inspect/machine-graph.ts';
export { createStatelyRecorder, redact, statelyObserver } from './inspect/stately.ts';
export { type SessionMachine, sessionMachine } from './machines/session.machine.ts';
export type {
  EotPredictCommand,
  LlmActorInput,
  SpeechActorInput,
  SpeechCommand,
  ToolActorInput,
} from './machines/session-actors.ts';
export {
  DEFAULT_SESSION_CONFIG,
  endpointingDelayFor,
  resolveSessionConfig,
  type SessionConfig,
} from './machines/session-config.ts';
export type {
  AgentState,
  SessionContext,
  SessionEmitted,
  SessionEvent,
  SessionInput,
  SessionStats,
  TurnMetrics,
  UserState,
} from './machines/session-types.ts';
export * from './providers/index.ts';
export {
  type AgentSession,
  type AgentSessionEvent,
  type AgentSessionOptions,
  createAgentSession,
} from './session/agent-session.ts';
export {
  type AudioOutput,
  ClockedAudioOutput,
  type Playback,
  type PlaybackCallbacks,
  type PlayedFrame,
} from './session/audio-output.ts';
export { ScaledClock, type SessionClock, SimulatedClock, SystemClock } from './session/clock.ts';
export { TimelineRecorder, type TurnTimeline } from './session/timeline.ts';
export * from './sim/fake-providers.ts';
export * from './text/index.ts';
export { corpusWer, type WerResult, wordErrorRate } from './text/wer.ts';
export { type FunctionTool, type ToolContext, tool } from './tools/function-tool.ts';
export const VERSION = '0.1.0';
