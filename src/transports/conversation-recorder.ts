/**
 * Records a conversation as one stereo track, time-aligned on the session clock: the user on the
 * left, the agent on the right exactly as it was heard (pauses, resumes and cuts included,
 * rebuilt from the output's played spans).
 */
import { AudioFrame } from '../audio/audio-frame.ts';
import { toMono } from '../audio/mix.ts';
import { Resampler } from '../audio/resampler.ts';
import type { PlayedFrame, PlayedSpan } from '../session/audio-output.ts';

interface Placed {
  readonly atMs: number;
  readonly data: Int16Array;
}

export class ConversationRecorder {
  readonly sampleRate: number;
  private readonly user: Placed[] = [];
  private readonly segments = new Map<string, { chunks: Int16Array[]; length: number }>();
  private readonly spans: PlayedSpan[] = [];
  private readonly resamplers = new Map<string, Resampler>();

  constructor(opts: { sampleRate?: number } = {}) {
    this.sampleRate = opts.sampleRate ?? 16000;
  }

  /** A frame of the user's audio, heard at `atMs`. */
  addUser(frame: AudioFrame, atMs: number): void {
    const data = this.convert(`user/${frame.sampleRate}/${frame.channels}`, frame);
    if (data.length > 0) this.user.push({ atMs, data });
  }

  /** A frame the agent pushed to its output (heard or not: spans decide). */
  addAgentFrame(played: PlayedFrame): void {
    const key = `agent/${played.segmentId}`;
    const data = this.convert(
      `${key}/${played.frame.sampleRate}/${played.frame.channels}`,
      played.frame,
    );
    const seg = this.segments.get(played.segmentId) ?? { chunks: [], length: 0 };
    seg.chunks.push(data);
    seg.length += data.length;
    this.segments.set(played.segmentId, seg);
  }

  addSpan(span: PlayedSpan): void {
    this.spans.push(span);
  }

  /** The stereo conversation: left user, right agent. */
  render(): AudioFrame {
    const rate = this.sampleRate;
    const at = (ms: number) => Math.max(0, Math.round((ms * rate) / 1000));
    let end = 0;
    for (const u of this.user) end = Math.max(end, at(u.atMs) + u.data.length);
    for (const s of this.spans) end = Math.max(end, at(s.atMs) + at(s.toMs - s.fromMs));
    const out = new Int16Array(Math.max(1, end) * 2);
    for (const u of this.user) {
      const start = at(u.atMs);
      for (let i = 0; i < u.data.length; i++) out[(start + i) * 2] = u.data[i]!;
    }
    const flat = new Map<string, Int16Array>();
    for (const [id, seg] of this.segments) {
      const pcm = new Int16Array(seg.length);
      let offset = 0;
      for (const c of seg.chunks) {
        pcm.set(c, offset);
        offset += c.length;
      }
      flat.set(id, pcm);
    }
    for (const s of this.spans) {
      const pcm = flat.get(s.segmentId);
      if (!pcm) continue;
      const from = at(s.fromMs);
      const count = Math.min(at(s.toMs) - from, pcm.length - from);
      const start = at(s.atMs);
      for (let i = 0; i < count; i++) out[(start + i) * 2 + 1] = pcm[from + i]!;
    }
    return new AudioFrame(out, rate, 2, 0);
  }

  private convert(key: string, frame: AudioFrame): Int16Array {
    const mono = toMono(frame);
    if (mono.sampleRate === this.sampleRate) return mono.data;
    let r = this.resamplers.get(key);
    if (!r) {
      r = new Resampler({ inputRate: mono.sampleRate, outputRate: this.sampleRate });
      this.resamplers.set(key, r);
    }
    return r.push(mono)?.data ?? new Int16Array(0);
  }
}
