/**
 * `voicechart run` on bad input: one clear line on stderr, a non-zero exit code, no stack trace,
 * and no model loaded (the input is checked first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioFrame } from '../../src/audio/audio-frame.ts';
import { encodeWav } from '../../src/audio/wav.ts';

const CLI = join(import.meta.dirname, '../../src/cli/voicechart.ts');
const dir = mkdtempSync(join(tmpdir(), 'voicechart-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout.trim() };
}

const tone = (rate: number, channels: number, ms: number) => {
  const n = Math.round((rate * ms) / 1000);
  const data = new Int16Array(n * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(8000 * Math.sin(i / 7));
  return new AudioFrame(data, rate, channels);
};

const good = encodeWav(tone(16000, 1, 500));
const headerOnly = encodeWav(tone(16000, 1, 500)).subarray(0, 44);
headerOnly.set([0, 0, 0, 0], 40); // data chunk of 0 bytes
const corrupted = Uint8Array.from(good);
corrupted.set([0x20, 0, 0, 0], 16); // fmt chunk size 32 bytes: runs into the data chunk
const truncatedFmt = Uint8Array.from(good.subarray(0, 30));

const cases: Array<[string, string[], RegExp]> = [
  ['a missing file', [join(dir, 'nope.wav')], /nope\.wav does not exist/],
  ['a text file', [file('notes.wav', 'these are not samples\n'.repeat(20))], /not a WAV file/],
  ['a zero-length file', [file('empty.wav', new Uint8Array(0))], /empty file \(0 bytes\)/],
  ['a WAV header with no samples', [file('silent.wav', headerOnly)], /holds no audio/],
  [
    '7 channels at 96 kHz',
    [file('surround.wav', encodeWav(tone(96000, 7, 500)))],
    /7 channels at 96000 Hz; say which one is the user's microphone with --channel 1\.\.7/,
  ],
  ['a corrupted header', [file('corrupt.wav', corrupted)], /damaged WAV file/],
  ['a truncated header', [file('truncated.wav', truncatedFmt)], /damaged WAV file/],
  ['an empty folder', [mkdtempSync(join(dir, 'empty-'))], /no \.wav files in the folder/],
];

describe('voicechart run: bad input', () => {
  for (const [what, input, message] of cases) {
    it(`${what}: one line, exit code 1, no stack trace`, () => {
      const r = run('run', '--input', ...input, '--out', join(dir, 'out'));
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^voicechart: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('a channel that does not exist is refused; usage errors exit with 2', () => {
    const surround = file('surround2.wav', encodeWav(tone(96000, 7, 500)));
    const r = run('run', '--input', surround, '--channel', '9');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--channel 9 does not exist \(the file has 7 channels\)/);
    expect(run('run').code).toBe(2);
    expect(run('fly').stderr).toMatch(/^unknown command "fly"/);
    const badOption = run('run', '--input', surround, '--frobnicate');
    expect(badOption.code).toBe(1);
    expect(badOption.stderr.split('\n')).toHaveLength(1);
  });
});
