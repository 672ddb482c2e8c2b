/**
 * Debugging aid: which features push a prediction up or down (leave-one-out on the logit).
 *
 *   node models/turn-detector/explain.ts [--model dir] [--context "assistant text"] "user text"
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { featureStrings, fnv1a } from '../../src/providers/local/turn-features.ts';
import { forward, type Model, makeActivations } from './model.ts';

/** Reads the weights back from an exported model.onnx (raw_data initializers, in order). */
export function loadOnnxWeights(
  path: string,
  shape: { buckets: number; dim: number; hidden: number },
): Model {
  const bytes = readFileSync(path);
  const find = (name: string, count: number): Float32Array => {
    const key = Buffer.from(name);
    // Initializers are written as: dims…, data_type, name, raw_data; search name then raw_data.
    let at = 0;
    for (;;) {
      at = bytes.indexOf(key, at);
      if (at < 0) throw new Error(`no initializer ${name}`);
      const tag = at + key.length;
      if (bytes[tag] === 0x4a) {
        let len = 0;
        let shift = 0;
        let i = tag + 1;
        for (;;) {
          const b = bytes[i++]!;
          len += (b & 0x7f) * 2 ** shift;
          shift += 7;
          if (b < 0x80) break;
        }
        if (len === count * 4)
          return new Float32Array(
            bytes.buffer.slice(bytes.byteOffset + i, bytes.byteOffset + i + len),
          );
      }
      at = tag;
    }
  };
  const { buckets, dim, hidden } = shape;
  return {
    buckets,
    dim,
    hidden,
    emb: find('embedding', buckets * dim),
    b1: find('b1', dim),
    w2: find('w2', dim * hidden),
    b2: find('b2', hidden),
    w3: find('w3', hidden),
    b3: find('b3', 1),
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string', default: import.meta.dirname },
      context: { type: 'string' },
    },
  });
  const config = JSON.parse(readFileSync(join(values.model, 'config.json'), 'utf8'));
  const m = loadOnnxWeights(join(values.model, 'model.onnx'), {
    buckets: config.hashBuckets,
    dim: config.embeddingDim,
    hidden: config.hidden,
  });
  const context = values.context ? [{ role: 'assistant', content: values.context }] : [];
  for (const text of positionals) {
    const feats = [...new Set(featureStrings({ context, text }))];
    const ids = feats.map((f) => 1 + (fnv1a(f) % (m.buckets - 1)));
    const act = makeActivations(m);
    const all = Int32Array.from(ids);
    forward(m, all, act);
    const base = act.logit;
    console.log(
      `p = ${act.p.toFixed(4)} (logit ${base.toFixed(2)})  ${values.context ?? ''} >> ${text}`,
    );
    const effects = feats.map((f, i) => {
      const rest = Int32Array.from(ids.filter((_, j) => j !== i));
      forward(m, rest, act);
      return { f, effect: base - act.logit };
    });
    effects.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
    for (const e of effects.slice(0, 12))
      console.log(`  ${e.effect >= 0 ? '+' : ''}${e.effect.toFixed(2)}  ${e.f}`);
  }
}
