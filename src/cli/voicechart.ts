#!/usr/bin/env node
/**
 * The `voicechart` command.
 *
 *   voicechart run --input <wav or folder> [--out dir] [--config file.json] [--realtime | --speed N]
 *
 * Runs a whole conversation through the real session statechart on the embedded offline stack
 * (or an OpenAI-compatible LLM when OPENAI_BASE_URL is set) and writes conversation.wav,
 * transcript.json, timeline.json and inspect.jsonl into the out folder.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolveSessionConfig, type SessionConfig } from '../machines/session-config.ts';
import { loadWavClips } from '../transports/file-input.ts';
import { formatChat } from './format-chat.ts';
import { createLocalStack } from './local-stack.ts';
import { type RunStatus, runConversation } from './run.ts';

const USAGE = `usage: voicechart run --input <wav or folder of wavs> [--out dir] [--config file.json]
                       [--realtime | --speed N] [--instructions text] [--channel N]

  --input         a WAV file (any rate or channels), or a folder of WAVs played in order
  --out           output folder (default: voicechart-out)
  --config        JSON file: session config keys (ms) and optionally "instructions"
  --realtime      pace the input at wall-clock speed (default: --speed 3)
  --speed N       play the input N times faster than real time
  --instructions  the agent's system prompt
  --channel N     for WAVs with more than two channels: the user's channel (1-based)
  --no-noise-cancellation   skip RNNoise

       voicechart eval <scenario file or folder> [--json out.json] [--report out.html]
                       [--inspect-dir dir]

  eval runs conversation scenarios (YAML or JSON, see schema/scenario.schema.json) through the
  real session on simulated time, prints a line per scenario, and exits with 1 when an
  expectation fails.

       voicechart inspect [--port N] [--host H] [log.jsonl]

  inspect serves the offline inspector on http://127.0.0.1:4747/: the session statechart with
  its active states live (sessions created with inspect: 'local' publish to it), the events,
  and each turn's latency waterfall; with a log (inspect.jsonl from run), a post-mortem.

       voicechart turn-detector predict --input turns.jsonl
       voicechart turn-detector eval --input labeled.jsonl

  turn-detector runs the shipped end-of-turn model (models/turn-detector) on JSONL lines
  {"id", "context": [{"role", "content"}], "text"} (eval: plus "label" 1/0).

LLM: OPENAI_BASE_URL (+ OPENAI_API_KEY, VOICECHART_LLM_MODEL) selects an OpenAI-compatible
endpoint (llama.cpp, Ollama, OpenAI); without it a rule-based offline dialogue engine answers.`;

interface ConfigFile extends Partial<SessionConfig> {
  instructions?: string;
}

async function readConfig(path: string | undefined): Promise<ConfigFile> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`--config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`--config ${path}: expected a JSON object of session config keys`);
  }
  const { instructions, ...config } = parsed as ConfigFile;
  resolveSessionConfig(config); // names any bad key before the run starts
  return { ...config, ...(instructions !== undefined ? { instructions } : {}) };
}

function statusPrinter() {
  const tty = process.stderr.isTTY;
  let last = '';
  return {
    update(s: RunStatus) {
      const text = `${(s.atMs / 1000).toFixed(1).padStart(6)} s  ${s.state.padEnd(9)} ${s.transcript}`;
      const line = text.length > 110 ? `${text.slice(0, 107)}...` : text;
      if (line === last) return;
      last = line;
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'eval') return evalCommand(rest);
  if (command === 'inspect') return inspectCommand(rest);
  if (command === 'turn-detector') {
    const { turnDetectorCommand } = await import('./turn-detector-command.ts');
    return turnDetectorCommand(rest);
  }
  if (command !== 'run') {
    console.error(
      command === undefined || command === '--help'
        ? USAGE
        : `unknown command "${command}"\n\n${USAGE}`,
    );
    return command === '--help' ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      input: { type: 'string' },
      out: { type: 'string', default: 'voicechart-out' },
      config: { type: 'string' },
      realtime: { type: 'boolean', default: false },
      speed: { type: 'string' },
      instructions: { type: 'string' },
      channel: { type: 'string' },
      'no-noise-cancellation': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.input) {
    console.error(`--input is required\n\n${USAGE}`);
    return 2;
  }
  const speed = values.speed === undefined ? 3 : Number(values.speed);
  if (!values.realtime && (!Number.isFinite(speed) || speed <= 0)) {
    console.error(`--speed: expected a positive number, got "${values.speed}"`);
    return 2;
  }
  const channel = values.channel === undefined ? undefined : Number(values.channel);
  if (channel !== undefined && !(Number.isInteger(channel) && channel >= 1)) {
    console.error(`--channel: expected a channel number from 1, got "${values.channel}"`);
    return 2;
  }
  const { instructions, ...config } = await readConfig(values.config);
  // The input is checked before any model loads, so a bad file fails at once.
  const clips = await loadWavClips(values.input, channel !== undefined ? { channel } : {});
  const stack = await createLocalStack({ noNoiseCancellation: values['no-noise-cancellation'] });
  console.error(`voicechart: ${stack.description}`);
  const status = statusPrinter();
  try {
    const result = await runConversation({
      input: clips,
      outDir: values.out,
      providers: stack.providers,
      config,
      instructions:
        values.instructions ?? instructions ?? 'You are Chart, a friendly voice assistant.',
      pace: values.realtime ? 'realtime' : speed,
      onStatus: (s) => status.update(s),
    });
    status.done();
    for (const line of formatChat(result.chat)) console.log(line);
    const v2v = result.timeline.flatMap((t) =>
      t.voiceToVoiceMs === null ? [] : [t.voiceToVoiceMs],
    );
    console.log(
      `\n${result.timeline.length} turn${result.timeline.length === 1 ? '' : 's'}, voice-to-voice ${v2v.map((x) => `${Math.round(x)} ms`).join(', ') || 'n/a'}`,
    );
    console.log(`wrote ${Object.values(result.files).join(', ')}`);
    return 0;
  } finally {
    await stack.close();
  }
}

const ms = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)} ms`);

async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'string' },
      report: { type: 'string' },
      'inspect-dir': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [path, ...extra] = positionals;
  if (!path || extra.length > 0) {
    console.error(`eval takes one scenario file or folder\n\n${USAGE}`);
    return 2;
  }
  const { runSuite } = await import('../eval/suite.ts');
  const result = await runSuite(path, {
    ...(values['inspect-dir'] ? { inspectDir: values['inspect-dir'] } : {}),
    onResult: (r, i, total) => {
      const mark = r.ok ? 'ok  ' : 'FAIL';
      const figures = r.error
        ? r.error
        : `${r.summary.userTurns} turn${r.summary.userTurns === 1 ? '' : 's'}, v2v median ${ms(r.summary.voiceToVoiceMedianMs)}, ${r.summary.interruptions} interruptions, ${r.summary.falseCutoffs} false cut-offs`;
      if (!values.quiet || !r.ok) console.log(`[${i + 1}/${total}] ${mark} ${r.name}: ${figures}`);
      for (const e of r.expectations.filter((x) => !x.ok)) {
        console.log(
          `         expected ${e.name}: ${JSON.stringify(e.expected)}, got ${JSON.stringify(e.actual)}`,
        );
      }
    },
  });
  const a = result.aggregate;
  console.log(
    `\n${a.passed}/${a.scenarios} scenarios passed; ${a.userTurns} turns, voice-to-voice median ${ms(a.voiceToVoiceMedianMs)} (p95 ${ms(a.voiceToVoiceP95Ms)}), ${a.falseCutoffs} false cut-offs, ${a.interruptions} interruptions, ${a.falseInterruptionResumes} resumes; ${a.speedup.toFixed(0)}x faster than real time`,
  );
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
  if (values.report) {
    const { renderReport } = await import('../eval/report-html.ts');
    await writeFile(values.report, renderReport(result));
    console.log(`wrote ${values.report}`);
  }
  return a.failed > 0 ? 1 : 0;
}

async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    console.error(`inspect takes at most one log file\n\n${USAGE}`);
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    console.error(`--port: expected a port number, got "${values.port}"`);
    return 2;
  }
  const logFile = positionals[0];
  const { startInspectorServer } = await import('../inspect/server.ts');
  const server = await startInspectorServer({
    host: values.host,
    ...(port !== undefined ? { port } : {}),
    ...(logFile !== undefined ? { logFile } : {}),
  });
  console.log(
    `voicechart inspector on ${server.url}${logFile ? ` (log: ${logFile})` : ''}; Ctrl-C stops it`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

// Output piped into a reader that stops early (`| head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`voicechart: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
