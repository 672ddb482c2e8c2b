// voicechart microphone capture: hands each 128-sample render quantum of the first input
// channel (Float32, at the AudioContext's rate) to the page, which downsamples it to 16 kHz.
class VoicechartCapture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel && channel.length > 0) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor('voicechart-capture', VoicechartCapture);
