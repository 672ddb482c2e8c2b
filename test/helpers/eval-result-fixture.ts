/**
 * A realistic {@link EvalResult} for report tests: three scenarios, ten turns, three barge-ins
 * (a backchannel the agent resumed from, a real interruption and a backchannel that wrongly
 * interrupted), a false cut-off, a turn without end of speech, a turn without reply audio, a tool
 * call, and exactly one failed expectation. One scenario name holds markup to test escaping.
 *
 * The figures are consistent: summaries and the aggregate are what the turns, barge-ins and
 * timelines above them say.
 */
import type {
  EvalResult,
  ScenarioResult,
  SpeechSpan,
  TurnMetrics,
} from '../../src/eval/metrics-types.ts';

/** The scenario name with markup in it (must come out escaped). */
export const HOSTILE_SCENARIO_NAME = 'Barge-in <script>alert("x")</script> & cut-off';

function turn(
  index: number,
  text: string,
  stepId: string | null,
  endOfSpeechMs: number | null,
  commitMs: number,
  firstAudioMs: number | null,
  llm: TurnMetrics['llm'],
  falseCutoff = false,
): TurnMetrics {
  return {
    index,
    text,
    stepId,
    endOfSpeechMs,
    commitMs,
    firstAudioMs,
    endOfUtteranceDelayMs: endOfSpeechMs === null ? null : commitMs - endOfSpeechMs,
    voiceToVoiceMs:
      endOfSpeechMs === null || firstAudioMs === null ? null : firstAudioMs - endOfSpeechMs,
    falseCutoff,
    llm,
  };
}

function user(id: string, startMs: number, endMs: number, text: string): SpeechSpan {
  return { who: 'user', id, startMs, endMs, text };
}

function agent(
  id: string,
  startMs: number,
  endMs: number,
  text: string,
  cut?: SpeechSpan['cut'],
): SpeechSpan {
  return cut === undefined
    ? { who: 'agent', id, startMs, endMs, text }
    : { who: 'agent', id, startMs, endMs, text, cut };
}

const booking: ScenarioResult = {
  name: 'Restaurant booking with a backchannel',
  description: 'Books a table; the caller says "mhm" while the agent asks a question.',
  file: 'scenarios/booking.yaml',
  mode: 'events',
  ok: true,
  durationMs: 25_600,
  wallMs: 410,
  turns: [
    turn(1, "Hi, I'd like to book a table for four tonight.", 'greet', 3200, 3850, 4420, {
      requests: 1,
      speculative: 1,
      reused: 1,
      discarded: 0,
    }),
    turn(2, 'Around eight, outside if possible.', 'time', 12_900, 13_480, 14_050, {
      requests: 2,
      speculative: 1,
      reused: 0,
      discarded: 1,
    }),
    turn(3, 'Yes please, under Marek.', 'confirm', 21_900, 22_450, 22_980, {
      requests: 1,
      speculative: 0,
      reused: 0,
      discarded: 0,
    }),
  ],
  summary: {
    userTurns: 3,
    agentReplies: 3,
    falseCutoffs: 0,
    interruptions: 0,
    falseInterruptionResumes: 1,
    backchannelResumes: 1,
    backchannelsInterrupting: 0,
    voiceToVoiceMedianMs: 1150,
    voiceToVoiceMaxMs: 1220,
    bargeInReactionMedianMs: 190,
    llmRequests: 4,
    speculativeRequests: 2,
    speculativeReused: 1,
    speculativeDiscarded: 1,
    wastedTokens: 12,
    errors: 0,
    userAway: false,
    toolCalls: ['check_availability'],
  },
  bargeIns: [
    {
      stepId: 'mhm',
      onsetMs: 6100,
      agentStoppedMs: 6290,
      reactionMs: 190,
      outcome: 'resumed',
      backchannel: true,
    },
  ],
  timeline: [
    user('greet', 500, 3200, "Hi, I'd like to book a table for four tonight."),
    agent('speech_1', 4420, 6290, 'Sure! What time would you like,', 'paused'),
    user('mhm', 6100, 6450, 'mhm'),
    agent('speech_1', 6950, 10_100, 'and is it for indoor or outdoor seating?'),
    user('time', 10_800, 12_900, 'Around eight, outside if possible.'),
    agent(
      'speech_2',
      14_050,
      19_500,
      'Let me check... Yes, we have a table for four at 8 pm on the terrace. Shall I book it under your name?',
    ),
    user('confirm', 20_300, 21_900, 'Yes please, under Marek.'),
    agent('speech_3', 22_980, 25_100, 'Done, see you at eight, Marek!'),
  ],
  expectations: [
    { name: 'agentReplies', ok: true, expected: 3, actual: 3 },
    { name: 'maxFalseCutoffs', ok: true, expected: 0, actual: 0 },
    { name: 'notInterruptedBy', ok: true, expected: ['mhm'], actual: [] },
    { name: 'falseInterruptionResumes', ok: true, expected: 1, actual: 1 },
    {
      name: 'toolCalls',
      ok: true,
      expected: ['check_availability'],
      actual: ['check_availability'],
    },
  ],
  chat: [
    { id: 'sys', role: 'system', content: 'You take restaurant bookings. Be brief.' },
    { id: 'u1', role: 'user', content: "Hi, I'd like to book a table for four tonight." },
    {
      id: 'a1',
      role: 'assistant',
      content: 'Sure! What time would you like, and is it for indoor or outdoor seating?',
    },
    { id: 'u2', role: 'user', content: 'Around eight, outside if possible.' },
    {
      id: 'a2',
      role: 'assistant',
      content: '',
      toolCalls: [
        {
          id: 'call_1',
          name: 'check_availability',
          arguments: '{"people":4,"time":"20:00","area":"terrace"}',
        },
      ],
    },
    {
      id: 't1',
      role: 'tool',
      toolCallId: 'call_1',
      name: 'check_availability',
      content: '{"available":true,"table":12}',
    },
    {
      id: 'a3',
      role: 'assistant',
      content:
        'Let me check... Yes, we have a table for four at 8 pm on the terrace. Shall I book it under your name?',
    },
    { id: 'u3', role: 'user', content: 'Yes please, under Marek.' },
    { id: 'a4', role: 'assistant', content: 'Done, see you at eight, Marek!' },
  ],
};

const bargeIn: ScenarioResult = {
  name: HOSTILE_SCENARIO_NAME,
  description: 'The caller pauses mid-sentence, interrupts a long answer, then says "okay".',
  file: 'scenarios/barge-in.yaml',
  mode: 'events',
  ok: false,
  durationMs: 23_500,
  wallMs: 380,
  turns: [
    turn(
      1,
      'I need to change my flight to',
      'flight',
      2300,
      2950,
      null,
      { requests: 1, speculative: 1, reused: 0, discarded: 1 },
      true,
    ),
    turn(2, 'I need to change my flight to Friday morning.', 'flight', 4500, 5100, 5750, {
      requests: 1,
      speculative: 1,
      reused: 1,
      discarded: 0,
    }),
    turn(3, 'The nine forty one.', 'nine-forty', 9300, 9850, 10_520, {
      requests: 1,
      speculative: 1,
      reused: 0,
      discarded: 1,
    }),
    turn(4, 'okay', 'okay', 12_300, 12_900, 13_400, {
      requests: 1,
      speculative: 0,
      reused: 0,
      discarded: 0,
    }),
    turn(5, 'Yes, window.', 'window', 17_500, 18_100, 19_900, {
      requests: 1,
      speculative: 0,
      reused: 0,
      discarded: 0,
    }),
  ],
  summary: {
    userTurns: 5,
    agentReplies: 4,
    falseCutoffs: 1,
    interruptions: 2,
    falseInterruptionResumes: 0,
    backchannelResumes: 0,
    backchannelsInterrupting: 1,
    voiceToVoiceMedianMs: 1235,
    voiceToVoiceMaxMs: 2400,
    bargeInReactionMedianMs: 200,
    llmRequests: 5,
    speculativeRequests: 3,
    speculativeReused: 1,
    speculativeDiscarded: 2,
    wastedTokens: 38,
    errors: 0,
    userAway: false,
    toolCalls: [],
  },
  bargeIns: [
    {
      stepId: 'nine-forty',
      onsetMs: 8200,
      agentStoppedMs: 8420,
      reactionMs: 220,
      outcome: 'interrupted',
      backchannel: false,
    },
    {
      stepId: 'okay',
      onsetMs: 12_000,
      agentStoppedMs: 12_180,
      reactionMs: 180,
      outcome: 'interrupted',
      backchannel: true,
    },
  ],
  timeline: [
    user('flight', 400, 2300, 'I need to change my flight to'),
    user('flight', 3200, 4500, 'Friday morning.'),
    agent(
      'speech_2',
      5750,
      8420,
      'I can help with that. I see two flights on Friday morning: one at 7:15 and one at',
      'interrupted',
    ),
    user('nine-forty', 8200, 9300, 'The nine forty one.'),
    agent('speech_3', 10_520, 12_180, 'Great, the 9:40 flight on Friday.', 'interrupted'),
    user('okay', 12_000, 12_300, 'okay'),
    agent('speech_4', 13_400, 15_600, 'Sorry, was that a yes to the window seat?'),
    user('window', 16_400, 17_500, 'Yes, window.'),
    agent('speech_5', 19_900, 23_000, 'Booked: a window seat on the 9:40 Friday flight.'),
  ],
  expectations: [
    { name: 'interruptedBy', ok: true, expected: ['nine-forty'], actual: ['nine-forty', 'okay'] },
    { name: 'maxFalseCutoffs', ok: true, expected: 1, actual: 1 },
    { name: 'interruptions', ok: false, expected: 1, actual: 2 },
    { name: 'maxVoiceToVoiceMs', ok: true, expected: 2500, actual: 2400 },
  ],
  chat: [
    { id: 'u1', role: 'user', content: 'I need to change my flight to Friday morning.' },
    {
      id: 'a1',
      role: 'assistant',
      content: 'I can help with that. I see two flights on Friday morning: one at 7:15 and one at',
      interrupted: true,
    },
    { id: 'u2', role: 'user', content: 'The nine forty one.' },
    {
      id: 'a2',
      role: 'assistant',
      content: 'Great, the 9:40 flight on Friday.',
      interrupted: true,
    },
    { id: 'u3', role: 'user', content: 'okay' },
    { id: 'a3', role: 'assistant', content: 'Sorry, was that a yes to the window seat?' },
    { id: 'u4', role: 'user', content: 'Yes, window.' },
    { id: 'a4', role: 'assistant', content: 'Booked: a window seat on the 9:40 Friday flight.' },
  ],
};

const hesitant: ScenarioResult = {
  name: 'Hesitant caller (audio)',
  description: 'Fillers and a long pause; the end of the second question is never detected.',
  file: 'scenarios/hesitant.yaml',
  mode: 'audio',
  ok: true,
  durationMs: 32_000,
  wallMs: 620,
  turns: [
    turn(
      1,
      "Um, so... I was wondering whether you're open on Sundays.",
      'sundays',
      5400,
      6300,
      6950,
      {
        requests: 1,
        speculative: 0,
        reused: 0,
        discarded: 0,
      },
    ),
    turn(2, 'And... uh... holidays?', 'holidays', null, 14_800, 15_500, {
      requests: 1,
      speculative: 0,
      reused: 0,
      discarded: 0,
    }),
  ],
  summary: {
    userTurns: 2,
    agentReplies: 2,
    falseCutoffs: 0,
    interruptions: 0,
    falseInterruptionResumes: 0,
    backchannelResumes: 0,
    backchannelsInterrupting: 0,
    voiceToVoiceMedianMs: 1550,
    voiceToVoiceMaxMs: 1550,
    bargeInReactionMedianMs: null,
    llmRequests: 2,
    speculativeRequests: 0,
    speculativeReused: 0,
    speculativeDiscarded: 0,
    wastedTokens: 0,
    errors: 0,
    userAway: true,
    toolCalls: [],
  },
  bargeIns: [],
  timeline: [
    user('sundays', 600, 2400, 'Um, so... I was wondering'),
    user('sundays', 3600, 5400, "whether you're open on Sundays."),
    agent('speech_1', 6950, 10_200, "Yes, we're open on Sundays from ten to four."),
    user('holidays', 11_500, 13_400, 'And... uh... holidays?'),
    agent('speech_2', 15_500, 19_000, "On public holidays we're closed, except Easter Monday."),
    agent('say_1', 27_000, 28_400, 'Are you still there?'),
  ],
  expectations: [
    { name: 'userTurns', ok: true, expected: 2, actual: 2 },
    { name: 'agentTranscriptContains', ok: true, expected: ['Sundays'], actual: ['Sundays'] },
    { name: 'userAway', ok: true, expected: true, actual: true },
  ],
  chat: [
    {
      id: 'u1',
      role: 'user',
      content: "Um, so... I was wondering whether you're open on Sundays.",
    },
    { id: 'a1', role: 'assistant', content: "Yes, we're open on Sundays from ten to four." },
    { id: 'u2', role: 'user', content: 'And... uh... holidays?' },
    {
      id: 'a2',
      role: 'assistant',
      content: "On public holidays we're closed, except Easter Monday.",
    },
    { id: 'a3', role: 'assistant', content: 'Are you still there?' },
  ],
};

/** A fresh copy of the fixture (tests may mutate it). */
export function evalResultFixture(): EvalResult {
  const result: EvalResult = {
    version: 1,
    startedAt: '2026-11-24T10:15:00.000Z',
    scenarios: [booking, bargeIn, hesitant],
    aggregate: {
      scenarios: 3,
      passed: 2,
      failed: 1,
      userTurns: 10,
      falseCutoffs: 1,
      interruptions: 2,
      falseInterruptionResumes: 1,
      backchannelsInterrupting: 1,
      // Voice-to-voice over the 8 turns that have one: 1080 1100 1150 1220 1220 1250 1550 2400.
      voiceToVoiceMedianMs: 1220,
      voiceToVoiceP95Ms: 2400,
      // Barge-in reactions 180 190 220.
      bargeInReactionMedianMs: 190,
      llmRequests: 11,
      speculativeReused: 2,
      speculativeDiscarded: 3,
      wastedTokens: 50,
      // 81.1 s simulated in 1.41 s.
      speedup: 57.5,
    },
  };
  return structuredClone(result);
}

/** A suite that ran no scenario. */
export function emptyEvalResult(): EvalResult {
  return {
    version: 1,
    startedAt: '2026-11-24T10:15:00.000Z',
    scenarios: [],
    aggregate: {
      scenarios: 0,
      passed: 0,
      failed: 0,
      userTurns: 0,
      falseCutoffs: 0,
      interruptions: 0,
      falseInterruptionResumes: 0,
      backchannelsInterrupting: 0,
      voiceToVoiceMedianMs: null,
      voiceToVoiceP95Ms: null,
      bargeInReactionMedianMs: null,
      llmRequests: 0,
      speculativeReused: 0,
      speculativeDiscarded: 0,
      wastedTokens: 0,
      speedup: 0,
    },
  };
}
