/**
 * Per-turn timeline of a session, built from the machine's inspection stream (internal events
 * carry their own timestamps) and its public events: when the user spoke, when the STT final
 * came, when the turn was decided, first LLM token, first TTS audio, first audio heard, and the
 * voice-to-voice latency. Written as `timeline.json` by `voicechart run`.
 */
import type { InspectionEvent } from 'xstate';
import type { AgentSessionEvent } from './agent-session.ts';

export interface TurnTimeline {
  readonly turn: number;
  readonly userText: string;
  readonly vadStartMs: number | null;
  readonly vadEndMs: number | null;
  readonly sttFinalMs: number | null;
  readonly committedMs: number;
  readonly endOfUtteranceDelayMs: number | null;
  readonly llmFirstTokenMs: number | null;
  readonly ttsFirstAudioMs: number | null;
  readonly playoutStartedMs: number | null;
  readonly voiceToVoiceMs: number | null;
  readonly speculativeReused: boolean | null;
  readonly interrupted: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class TimelineRecorder {
  private readonly turns: Mutable<TurnTimeline>[] = [];
  private vadStart: number | null = null;
  private vadEnd: number | null = null;
  private sttFinal: number | null = null;
  private current: Mutable<TurnTimeline> | null = null;

  /** Pass as (or call from) the session's `inspect` option. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.event' || event.actorRef.sessionId !== event.rootId) return;
    const e = event.event as {
      type: string;
      at?: number;
      startedAt?: number;
      endedAt?: number;
      text?: string;
    };
    switch (e.type) {
      case 'vad.speechStarted':
        if (this.vadEnd !== null || this.vadStart === null) this.vadStart = e.startedAt ?? null;
        this.vadEnd = null;
        break;
      case 'vad.speechEnded':
        this.vadEnd = e.endedAt ?? null;
        break;
      case 'stt.final':
        if ((e.text ?? '').trim() !== '') this.sttFinal = e.at ?? null;
        break;
      case 'llm.delta':
        if (this.current && this.current.llmFirstTokenMs === null)
          this.current.llmFirstTokenMs = e.at ?? null;
        break;
      case 'tts.firstAudio':
        if (this.current && this.current.ttsFirstAudioMs === null)
          this.current.ttsFirstAudioMs = e.at ?? null;
        break;
      case 'playout.started':
        if (this.current && this.current.playoutStartedMs === null)
          this.current.playoutStartedMs = e.at ?? null;
        break;
    }
  };

  /** Pass every public session event. */
  readonly onEvent = (event: AgentSessionEvent): void => {
    if (event.type === 'user.turnCompleted') {
      this.current = {
        turn: this.turns.length + 1,
        userText: event.text,
        vadStartMs: this.vadStart,
        vadEndMs: this.vadEnd,
        sttFinalMs: this.sttFinal,
        committedMs: event.at,
        endOfUtteranceDelayMs: null,
        llmFirstTokenMs: null,
        ttsFirstAudioMs: null,
        playoutStartedMs: null,
        voiceToVoiceMs: null,
        speculativeReused: null,
        interrupted: false,
      };
      this.turns.push(this.current);
      this.vadStart = null;
      this.vadEnd = null;
      this.sttFinal = null;
    } else if (event.type === 'metrics' && this.current) {
      this.current.endOfUtteranceDelayMs = event.metrics.endOfUtteranceDelayMs;
      this.current.voiceToVoiceMs = event.metrics.voiceToVoiceMs;
      this.current.speculativeReused = event.metrics.speculativeReused;
      // A reused speculation had its first token before the commit.
      if (this.current.llmFirstTokenMs === null && event.metrics.llmTtftMs !== null) {
        this.current.llmFirstTokenMs = this.current.committedMs + event.metrics.llmTtftMs;
      }
    } else if (event.type === 'agent.interrupted' && this.current) {
      this.current.interrupted = true;
    }
  };

  timeline(): TurnTimeline[] {
    return this.turns.map((t) => ({ ...t }));
  }
}
