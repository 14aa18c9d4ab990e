// The fenced code blocks of README.md and docs/*.md with the marking line right above each fence (the convention
// is described in docs/development.md, "Code blocks in the documentation"):
//   <!-- file: EXAMPLE/PATH -->     the whole file PATH of the runnable example EXAMPLE (type-checked or compiled)
//   <!-- run: EXAMPLE/PATH -->      the same, and the docs test also runs it
//   <!-- fragment of: EXAMPLE/PATH --> a part of, or a variant of, that file: shown, not run on its own
//   <!-- shell -->                  commands for a terminal
//   <!-- output -->                 what a program prints (a log line, a console warning), in a `text` block
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './packed-package.js';

export type Marker = { kind: 'file'; path: string; run: boolean } | { kind: 'fragment'; of: string } | { kind: 'shell' } | { kind: 'output' };

export interface DocBlock {
  /** The markdown file, relative to the repository root. */
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language (`ts`, `html`, …), or '' when none. */
  language: string;
  text: string;
  /** The `## ` heading the block is under ('' before the first). */
  section: string;
  marker: Marker | undefined;
  /** The line above the fence when it is an HTML comment that is not a known marking. */
  badMarker?: string;
}

/** README.md and every docs/*.md, relative to the root. */
export function docFiles(): string[] {
  return ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
}

function parseMarker(line: string): Marker | undefined {
  const match = /^<!--\s*(file|run|fragment of):\s*(\S+)\s*-->$/.exec(line.trim());
  if (match) return match[1] === 'fragment of' ? { kind: 'fragment', of: match[2]! } : { kind: 'file', path: match[2]!, run: match[1] === 'run' };
  const bare = /^<!--\s*(shell|output)\s*-->$/.exec(line.trim());
  return bare ? { kind: bare[1] as 'shell' | 'output' } : undefined;
}

/** The fenced blocks of one markdown file, with their markings. */
export function readDocBlocks(doc: string): DocBlock[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  let section = '';
  for (let index = 0; index < lines.length; index++) {
    const heading = /^## (.*)$/.exec(lines[index]!);
    if (heading) section = heading[1]!;
    const fence = /^(\s*)(`{3,})([\w-]*)\s*$/.exec(lines[index]!);
    if (!fence) continue;
    const close = lines.findIndex((line, at) => at > index && line.trim() === fence[2]);
    if (close < 0) throw new Error(`${doc}:${index + 1}: a code fence that is never closed`);
    const above = lines[index - 1]?.trim() ?? '';
    const marker = parseMarker(above);
    const indent = fence[1]!.length;
    blocks.push({
      doc,
      line: index + 1,
      language: fence[3]!,
      text: lines.slice(index + 1, close).map((line) => line.slice(indent)).join('\n') + '\n',
      section,
      marker,
      ...(!marker && above.startsWith('<!--') ? { badMarker: above } : {}),
    });
    index = close;
  }
  return blocks;
}

/** Every block of README.md and docs/*.md. */
export function allDocBlocks(): DocBlock[] {
  return docFiles().flatMap(readDocBlocks);
}

/** `doc:line`, for messages. */
export const where = (block: DocBlock) => `${block.doc}:${block.line}`;
