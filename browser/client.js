// voicechart browser client: captures the microphone, streams it to the server as 16 kHz mono
// Int16 PCM over a WebSocket at /ws, and plays the agent's audio. Plain browser JavaScript, no
// build step. The wire protocol is documented in src/transports/browser.ts.
//
// Playback positions: each segment's audio is queued back to back on a playback AudioContext;
// the position is "audio queued minus audio still ahead of the clock". The clock is the
// context's currentTime when the context runs; when it cannot (no audio device, autoplay
// refused) the page falls back to the wall clock, so `played` acknowledgements still advance
// as if the scheduled audio were heard. Pause freezes that clock (suspending the context).

(() => {
  const INPUT_RATE = 16000;
  const CHUNK_SAMPLES = 320; // 20 ms at 16 kHz
  const ACK_INTERVAL_MS = 100;

  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const params = new URLSearchParams(location.search);
  const processing = params.get('processing') !== '0';

  /** @type {{ ws: WebSocket, stream: MediaStream, captureCtx: AudioContext, playCtx: AudioContext, ackTimer: number } | null} */
  let run = null;

  function setState(text) {
    $('state').textContent = text;
  }
  function log(text) {
    $('log').textContent = `${text}\n${$('log').textContent}`.slice(0, 4000);
  }

  // ---- playback clock --------------------------------------------------------------------
  let audioClock = false;
  let wallPausedAt = null;
  let wallOffset = 0;
  /** @type {AudioContext | null} */
  let playCtx = null;

  function nowMs() {
    if (audioClock && playCtx) return playCtx.currentTime * 1000;
    if (wallPausedAt !== null) return wallPausedAt;
    return performance.now() - wallOffset;
  }
  function pauseClock() {
    if (audioClock && playCtx) void playCtx.suspend();
    else if (wallPausedAt === null) wallPausedAt = nowMs();
  }
  function resumeClock() {
    if (audioClock && playCtx) void playCtx.resume();
    else if (wallPausedAt !== null) {
      wallOffset = performance.now() - wallPausedAt;
      wallPausedAt = null;
    }
  }

  /** Does the context's clock advance? (It does not without an audio device on some systems.) */
  async function contextClockRuns(ctx) {
    try {
      await Promise.race([ctx.resume(), new Promise((r) => setTimeout(r, 500))]);
    } catch {
      return false;
    }
    if (ctx.state !== 'running') return false;
    const t0 = ctx.currentTime;
    await new Promise((r) => setTimeout(r, 200));
    return ctx.currentTime > t0;
  }

  // ---- playback of segments --------------------------------------------------------------
  /** @type {{ id: string, rate: number, samples: number, queueEndMs: number, sources: AudioBufferSourceNode[], paused: boolean, lastAck: number } | null} */
  let segment = null;

  function positionMs(seg) {
    const totalMs = (seg.samples * 1000) / seg.rate;
    if (seg.samples === 0) return 0;
    return Math.max(0, totalMs - Math.max(0, seg.queueEndMs - nowMs()));
  }

  function sendJson(message) {
    if (run && run.ws.readyState === WebSocket.OPEN) run.ws.send(JSON.stringify(message));
  }

  function ack(seg, force) {
    const pos = positionMs(seg);
    if (!force && pos === seg.lastAck) return;
    seg.lastAck = pos;
    sendJson({ type: 'played', segmentId: seg.id, positionMs: pos });
  }

  function dropSegment() {
    if (!segment) return;
    for (const source of segment.sources) {
      try {
        source.stop();
      } catch {
        // never started
      }
    }
    if (segment.paused) resumeClock();
    segment = null;
  }

  function onAgentAudio(buffer) {
    const seg = segment;
    if (!seg || !playCtx) return;
    const pcm = new Int16Array(buffer);
    if (pcm.length === 0) return;
    const now = nowMs();
    if (seg.samples === 0 || seg.queueEndMs < now) seg.queueEndMs = now;
    const startMs = seg.queueEndMs;
    seg.queueEndMs += (pcm.length * 1000) / seg.rate;
    seg.samples += pcm.length;
    if (!audioClock) return; // nothing audible to schedule; positions follow the wall clock
    const audio = playCtx.createBuffer(1, pcm.length, seg.rate);
    const data = audio.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) data[i] = pcm[i] / 32768;
    const source = playCtx.createBufferSource();
    source.buffer = audio;
    source.connect(playCtx.destination);
    source.start(startMs / 1000);
    seg.sources.push(source);
    source.onended = () => {
      const i = seg.sources.indexOf(source);
      if (i >= 0) seg.sources.splice(i, 1);
    };
  }

  function onControl(message) {
    switch (message.type) {
      case 'segment':
        dropSegment();
        segment = {
          id: String(message.segmentId),
          rate: Number(message.sampleRate) || 24000,
          samples: 0,
          queueEndMs: nowMs(),
          sources: [],
          paused: false,
          lastAck: -1,
        };
        return;
      case 'pause':
        if (segment && segment.id === message.segmentId && !segment.paused) {
          segment.paused = true;
          pauseClock();
          ack(segment, true);
        }
        return;
      case 'resume':
        if (segment && segment.id === message.segmentId && segment.paused) {
          segment.paused = false;
          resumeClock();
        }
        return;
      case 'stop':
        if (segment && segment.id === message.segmentId) {
          ack(segment, true);
          dropSegment();
        }
        return;
      case 'status':
        $('status').textContent = String(message.text);
        return;
      default:
        console.warn('voicechart: unknown message', message);
    }
  }

  // ---- microphone ------------------------------------------------------------------------
  /** Box-filter downsampler from the capture rate to 16 kHz, carried across blocks. */
  function makeDownsampler(fromRate, send) {
    const step = fromRate / INPUT_RATE;
    const out = new Int16Array(CHUNK_SAMPLES);
    let filled = 0;
    let acc = 0;
    let count = 0;
    let phase = 0;
    return (block) => {
      for (let i = 0; i < block.length; i++) {
        acc += block[i];
        count++;
        phase += 1;
        if (phase < step) continue;
        phase -= step;
        const v = Math.max(-1, Math.min(1, acc / count));
        out[filled++] = v < 0 ? v * 32768 : v * 32767;
        acc = 0;
        count = 0;
        if (filled === CHUNK_SAMPLES) {
          send(out.slice(0).buffer);
          filled = 0;
        }
      }
    };
  }

  async function start() {
    if (run) return;
    $('start').setAttribute('disabled', '');
    setState('starting');
    try {
      playCtx = new AudioContext();
      const captureCtx = new AudioContext();
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          channelCount: 1,
          echoCancellation: processing,
          noiseSuppression: processing,
          autoGainControl: processing,
        },
      });
      audioClock = await contextClockRuns(playCtx);
      if (!audioClock) log('audio output unavailable: positions follow the wall clock');
      await captureCtx.resume();
      await captureCtx.audioWorklet.addModule('capture-worklet.js');
      const ws = new WebSocket(
        `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
      );
      ws.binaryType = 'arraybuffer';
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('WebSocket connection failed'));
      });
      ws.send(JSON.stringify({ type: 'hello', sampleRate: INPUT_RATE }));
      const node = new AudioWorkletNode(captureCtx, 'voicechart-capture');
      const downsample = makeDownsampler(captureCtx.sampleRate, (buffer) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(buffer);
      });
      node.port.onmessage = (event) => downsample(event.data);
      captureCtx.createMediaStreamSource(stream).connect(node);
      node.connect(captureCtx.destination); // outputs silence; keeps the node pulled
      ws.onmessage = (event) => {
        if (typeof event.data === 'string') onControl(JSON.parse(event.data));
        else onAgentAudio(event.data);
      };
      ws.onclose = () => stop('closed');
      const ackTimer = setInterval(() => {
        if (segment && !segment.paused) ack(segment, false);
      }, ACK_INTERVAL_MS);
      run = { ws, stream, captureCtx, playCtx, ackTimer };
      setState('connected');
      $('stop').removeAttribute('disabled');
    } catch (error) {
      setState('failed');
      console.error('voicechart: could not start:', error);
      $('start').removeAttribute('disabled');
    }
  }

  function stop(reason) {
    if (!run) return;
    const current = run;
    run = null;
    dropSegment();
    clearInterval(current.ackTimer);
    current.ws.onclose = null;
    if (current.ws.readyState <= WebSocket.OPEN) current.ws.close(1000, 'stop');
    for (const track of current.stream.getTracks()) track.stop();
    void current.captureCtx.close();
    void current.playCtx.close();
    playCtx = null;
    setState(reason);
    $('start').removeAttribute('disabled');
    $('stop').setAttribute('disabled', '');
  }

  $('start').addEventListener('click', () => void start());
  $('stop').addEventListener('click', () => stop('stopped'));
  if (params.get('autostart') === '1') void start();
})();
