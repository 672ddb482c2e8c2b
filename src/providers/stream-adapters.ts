/**
 * Adapters that give non-streaming providers the streaming interface: a batch TTS fed
 * sentence by sentence ({@link StreamTts}), and a batch STT driven by a VAD
 * ({@link StreamStt}). Same approach as LiveKit Agents' `tts.StreamAdapter` /
 * `stt.StreamAdapter`.
 */

export { StreamStt, type StreamSttOptions } from './stream-stt.ts';
export { StreamTts, type StreamTtsOptions } from './stream-tts.ts';
