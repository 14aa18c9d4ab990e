#!/usr/bin/env node
// `npm run build`: everything that ships in the npm package.
//   dist/index.js (also /define), element.js, mock.js, react.js  ES modules for bundlers (lit, qrcode, msw external;
//                                                      the QR encoder in its own lazily loaded chunk)
//   dist/server.js                                     the merchant server kit, for Node
//   dist/server-redis.js, dist/server-postgres.js      the Redis and PostgreSQL stores (ioredis, pg external)
//   dist/qpay-checkout.min.js                          one self-contained classic script that registers the tag
//   dist/cli.js                                        the `qpay-checkout` command (bin), msw bundled in
//   dist/types/**.d.ts                                 declarations from tsc
//   custom-elements.json                               the manifest, from the element's JSDoc
// Uses Vite's JS API with configFile: false, so the demo's vite.config.ts never leaks into the package.
import { build } from 'vite';
import { builtinModules } from 'node:module';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BROWSER_ENTRIES,
  CLI_ENTRY,
  CLI_FILE,
  NODE_ENTRIES,
  REGISTERING_FILES,
  SCRIPT_ENTRY,
  SCRIPT_FILE,
  STANDALONE_ENTRIES,
  pickEntries,
} from './entries.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function fail(message) {
  console.error(`\nbuild failed: ${message}`);
  process.exit(1);
}

/** Everything the package declares as a dependency stays an import, as do its subpaths (lit/decorators.js). */
const dependencyNames = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  'react',
  'react-dom',
];
const isDependency = (id) => dependencyNames.some((name) => id === name || id.startsWith(`${name}/`));
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
const isNodeBuiltin = (id) => nodeBuiltins.has(id) || id.startsWith('node:');

/**
 * The JS minifier leaves template literals alone, so the element's css`…` would ship with its source
 * layout and comments. This squeezes them out: comments dropped, whitespace runs made one space, and
 * no space around `{`, `}`, `;`, `,` or after `:`. Safe for src/element/styles.ts and the phone
 * layout's styles in bank-list.ts, whose css literals have no interpolations, and no strings or
 * selectors where that space matters; the build fails otherwise.
 */
function minifyCssLiterals() {
  const files = ['styles.ts', 'bank-list.ts'].map((name) => join(root, 'src', 'element', name));
  return {
    name: 'qpay-minify-css-literals',
    transform(code, id) {
      const file = files.find((candidate) => candidate === id);
      if (!file) return null;
      let found = 0;
      const out = code.replace(/\bcss`([^`]*)`/g, (_, body) => {
        if (body.includes('${')) fail(`${relative(root, file)}: a css literal with an interpolation cannot be squeezed`);
        found++;
        const squeezed = body
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{};,])\s*/g, '$1')
          .replace(/:\s+/g, ':')
          .replace(/;}/g, '}')
          .trim();
        return `css\`${squeezed}\``;
      });
      if (found === 0) fail(`${relative(root, file)} has no css\`…\` literal to squeeze`);
      return { code: out, map: null };
    },
  };
}

/**
 * Lit's html`…` literals keep their source layout too. In the element's own templates, whitespace runs
 * that span a line break are layout only: between two tags (`>` and `<`) they go, anywhere else they
 * become one space, so text next to an interpolation keeps its word gap. Whitespace within a line is
 * left alone. Only the literals' text parts change; the ${…} expressions inside are copied as they are
 * (a nested html`…` in them is squeezed the same way).
 */
function squeezeHtmlLiterals() {
  const files = ['qpay-checkout.ts', 'bank-list.ts', 'app-hint.ts', 'qr-draw.ts'].map((name) => join(root, 'src', 'element', name));
  const squeezeText = (text) =>
    text.replace(/\s*\n\s*/g, (run, at) => (text[at - 1] === '>' && text[at + run.length] === '<' ? '' : ' '));
  // Reads the template literal whose opening backtick is at code[start]; returns its squeezed text and the index after it.
  function readTemplate(code, start, squeeze) {
    let out = '`';
    let text = '';
    let i = start + 1;
    const flush = () => {
      out += squeeze ? squeezeText(text) : text;
      text = '';
    };
    while (i < code.length) {
      const char = code[i];
      if (char === '\\') {
        text += code.slice(i, i + 2);
        i += 2;
      } else if (char === '`') {
        flush();
        return { out: `${out}\``, end: i + 1 };
      } else if (char === '$' && code[i + 1] === '{') {
        flush();
        const expression = readExpression(code, i + 2);
        out += `\${${expression.out}}`;
        i = expression.end;
      } else {
        text += char;
        i++;
      }
    }
    throw new Error('unterminated template literal');
  }
  // Reads a ${…} expression from code[start] to its closing brace; returns the expression and the index after the brace.
  function readExpression(code, start) {
    let out = '';
    let depth = 0;
    let i = start;
    while (i < code.length) {
      const char = code[i];
      if (char === '`') {
        const template = readTemplate(code, i, /\bhtml\s*$/.test(code.slice(Math.max(0, i - 8), i)));
        out += template.out;
        i = template.end;
      } else if (char === "'" || char === '"') {
        let end = i + 1;
        while (code[end] !== char) end += code[end] === '\\' ? 2 : 1;
        out += code.slice(i, end + 1);
        i = end + 1;
      } else if (char === '}' && depth === 0) {
        return { out, end: i + 1 };
      } else {
        if (char === '{') depth++;
        if (char === '}') depth--;
        out += char;
        i++;
      }
    }
    throw new Error('unterminated ${…} expression');
  }
  return {
    name: 'qpay-squeeze-html-literals',
    transform(code, id) {
      const file = files.find((candidate) => candidate === id);
      if (!file) return null;
      let out = '';
      let from = 0;
      for (let at = code.indexOf('html`'); at !== -1; at = code.indexOf('html`', from)) {
        try {
          const template = readTemplate(code, at + 4, true);
          out += code.slice(from, at + 4) + template.out;
          from = template.end;
        } catch (error) {
          fail(`${relative(root, file)}: cannot squeeze an html literal (${error.message})`);
        }
      }
      if (from === 0) fail(`${relative(root, file)} has no html\`…\` literal to squeeze`);
      return { code: out + code.slice(from), map: null };
    },
  };
}

/**
 * For the <script> file only: our own `import('./x.js')` calls become static imports (`Promise.resolve(namespace)`),
 * except those of SCRIPT_FILE_PARTS, which load the part's sibling file (see scriptFileParts). A classic script
 * has no chunks to fetch, and bundling the inlined modules as dynamic imports makes each one (and everything it
 * imports) a lazily initialised wrapper, which only adds bytes. The lazily loaded modules have no side effects,
 * so evaluating them up front is the same.
 */
function staticImportsInScriptFile() {
  const src = join(root, 'src');
  const parts = new Map(Object.entries(SCRIPT_FILE_PARTS).map(([name, file]) => [join(root, file), name]));
  return {
    name: 'qpay-static-imports-in-script-file',
    resolveId: (id) => (id === SCRIPT_PART_LOADER ? `\0${SCRIPT_PART_LOADER}` : null),
    load: (id) => (id === `\0${SCRIPT_PART_LOADER}` ? scriptPartLoader() : null),
    transform(code, id) {
      if (!id.startsWith(src) || !/\.ts$/.test(id)) return null;
      const imports = [];
      const out = code.replace(/\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g, (_, quote, path) => {
        const part = parts.get(join(dirname(id), path).replace(/\.js$/, '.ts'));
        if (part) {
          if (!imports.includes(PART_IMPORT)) imports.push(PART_IMPORT);
          return `loadScriptPart(${JSON.stringify(scriptPartFile(part))})`;
        }
        const name = `__qpayEager${imports.length}`;
        imports.push(`import * as ${name} from ${quote}${path}${quote};`);
        return `Promise.resolve(${name})`;
      });
      return imports.length === 0 ? null : { code: `${imports.join('\n')}\n${out}`, map: null };
    },
  };
}

/**
 * The parts of the <script> file that are not in it but in sibling files next to it, loaded when used: the phone
 * layout's bank list (phones with bank links only) and the English and Russian texts (Mongolian is built in).
 * Why: the one file with everything inlined is over its 28 KB gzip budget (scripts/check-size.mjs), and what made
 * it grow (per-cause texts, warnings, the capped stream reader) is error text and guards the team never cuts. These
 * three are what the npm build already loads lazily AND a page can do without: a missing sibling gives the same
 * fallback as a failed lazy chunk (the QR instead of the bank list, Mongolian instead of en/ru) and a non-fatal
 * qpay-error naming the file to serve. The QR encoder, the status poller and stream, and the invoice-url code stay
 * inlined: a page without them could not be paid. Each part is a self-contained ES module (its few lit and core
 * helpers copied in; lit's templates, `nothing` and css results work across copies), fetched with import() from
 * the script file's own URL, so a shop serves the dist/qpay-checkout*.min.js files side by side.
 */
const SCRIPT_FILE_PARTS = {
  'bank-list': 'src/element/bank-list.ts',
  en: 'src/element/i18n/en.ts',
  ru: 'src/element/i18n/ru.ts',
};
const scriptPartFile = (part) => SCRIPT_FILE.replace(/\.min\.js$/, `.${part}.min.js`);
const SCRIPT_PART_LOADER = 'qpay-script-part-loader';
const PART_IMPORT = `import { loadScriptPart } from '${SCRIPT_PART_LOADER}';`;

/** The <script> file's loader of its sibling parts: resolved from the URL the file itself was loaded from. */
function scriptPartLoader() {
  return `
// document.currentScript is only set while the file first runs: keep its URL for the parts loaded later.
const scriptUrl = document.currentScript?.src;
export function loadScriptPart(file) {
  if (!scriptUrl) {
    return Promise.reject(new Error(\`${SCRIPT_FILE} was not loaded by a <script src> element, so it cannot tell where its part \${file} is; load it with <script src="…/${SCRIPT_FILE}">\`));
  }
  const url = new URL(file, scriptUrl).href;
  return import(/* @vite-ignore */ url).catch((error) => {
    throw new Error(\`${SCRIPT_FILE} could not load its part \${url}: serve \${file} from the package's dist/ folder next to ${SCRIPT_FILE}\`, { cause: error });
  });
}
`;
}

/** Shared settings: no config file, no public dir copy, quiet but not silent. */
const base = {
  root,
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  // Bundled third-party code (lit, qrcode in the script file) checks NODE_ENV for dev-only paths.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  plugins: [minifyCssLiterals(), squeezeHtmlLiterals()],
};

/** One build into dist/ with the settings every build here shares; `extra` adds top-level config (plugins). */
const libBuild = (settings, extra = {}) =>
  build({
    ...base,
    ...extra,
    build: { outDir: dist, emptyOutDir: false, sourcemap: false, copyPublicDir: false, reportCompressedSize: false, ...settings },
  });

async function buildBrowserModules(entries) {
  await libBuild({
    target: 'es2022',
    minify: true,
    lib: { entry: entries, formats: ['es'] },
    rolldownOptions: {
      external: (id) => isDependency(id) || isNodeBuiltin(id),
      preserveEntrySignatures: 'allow-extension',
      output: {
        entryFileNames: '[name].js',
        // Non-ASCII text as \u escapes: a page without a charset reads a UTF-8 file as windows-1252 (see checkAsciiOnly).
        charset: 'ascii',
        // Shared code and the lazily loaded QR encoder chunk.
        chunkFileNames: 'chunks/[name]-[hash].js',
        // Vite keeps whitespace in library ES builds; drop it too (the size budget counts it). Pure
        // annotations stay, so the shop's bundler can still tree-shake.
        minify: { codegen: true },
      },
    },
  });
}

async function buildNodeModules(entries) {
  if (Object.keys(entries).length === 0) return;
  await libBuild({
    ssr: true,
    target: 'node20',
    minify: false,
    lib: { entry: entries, formats: ['es'] },
    rolldownOptions: {
      external: (id) => isDependency(id) || isNodeBuiltin(id),
      // ASCII like the browser files; JSDoc comments go (the .d.ts files keep them), as they are where non-ASCII text
      // (×, →, …) would stay in this unminified build.
      output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/node-[name]-[hash].js', charset: 'ascii', comments: { jsdoc: false } },
    },
    // The metrics' instrumentation scope names the package's version.
  }, { define: { ...base.define, __PACKAGE_VERSION__: JSON.stringify(pkg.version) } });
}

/**
 * The classic-script file: lit, qrcode and the lazily loaded modules inlined (no chunks to fetch), except
 * SCRIPT_FILE_PARTS, each built as its own self-contained ES module next to it.
 */
async function buildScriptFile() {
  await libBuild(
    {
      target: 'es2022',
      minify: true,
      lib: { entry: join(root, SCRIPT_ENTRY), name: 'QPayCheckout', formats: ['iife'], fileName: () => SCRIPT_FILE },
      rolldownOptions: { output: { codeSplitting: false, charset: 'ascii' } },
    },
    { plugins: [...base.plugins, staticImportsInScriptFile()] },
  );
  for (const [part, file] of Object.entries(SCRIPT_FILE_PARTS)) {
    await libBuild({
      target: 'es2022',
      minify: true,
      lib: { entry: join(root, file), formats: ['es'], fileName: () => scriptPartFile(part) },
      rolldownOptions: {
        // Only the exports the part uses of lit (html, css, nothing) and of core: lit's module-level setup (the
        // polyfill hooks, the version registry) belongs to the script file's own copy.
        treeshake: { moduleSideEffects: false },
        output: { codeSplitting: false, charset: 'ascii', minify: { codegen: true } },
      },
    });
  }
}

/**
 * The `qpay-checkout` command: one Node file with a `#!/usr/bin/env node` line. msw (an optional peer dependency)
 * and the mock's code are bundled in, so it runs in a project without msw; qrcode, a dependency, stays an import.
 */
async function buildCliFile() {
  await libBuild({
    ssr: true,
    target: 'node20',
    minify: false,
    lib: { entry: { [CLI_FILE.replace(/\.js$/, '')]: join(root, CLI_ENTRY) }, formats: ['es'] },
    rolldownOptions: {
      external: (id) => isNodeBuiltin(id) || (isDependency(id) && !(id === 'msw' || id.startsWith('msw/'))),
      output: { entryFileNames: '[name].js', codeSplitting: false, charset: 'ascii', comments: { jsdoc: false } },
    },
  }, {
    define: { ...base.define, __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
    // Vite's SSR build leaves every node_modules import alone by default; the external list above decides instead.
    ssr: { noExternal: true },
  });
  const file = join(dist, CLI_FILE);
  const code = readFileSync(file, 'utf8');
  if (!code.startsWith('#!/usr/bin/env node\n')) fail(`dist/${CLI_FILE} does not start with #!/usr/bin/env node`);
  chmodSync(file, 0o755);
}

function emitTypes() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail('tsc could not emit the type declarations (see above)');
}

function emitManifest() {
  const cem = join(root, 'node_modules', '@custom-elements-manifest', 'analyzer', 'cem.js');
  const result = spawnSync(process.execPath, [cem, 'analyze', '--config', 'custom-elements-manifest.config.mjs', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) fail('the custom elements manifest analyzer failed (see above)');
  if (!existsSync(join(root, 'custom-elements.json'))) fail('the analyzer wrote no custom-elements.json');
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/**
 * `sideEffects` in package.json lets bundlers drop any other file whose exports go unused, so the
 * tag must only ever be registered from the files listed there; the class entry must stay pure.
 */
function checkRegistrationStaysInRegisteringFiles() {
  const registering = new Set(REGISTERING_FILES.map((file) => join(dist, file)));
  const offenders = listFiles(dist)
    .filter((file) => file.endsWith('.js') && !registering.has(file))
    .filter((file) => /customElements\s*\.\s*define\s*\(|\.define\s*\(\s*["'`]qpay-checkout/.test(readFileSync(file, 'utf8')));
  if (offenders.length > 0) {
    fail(
      `customElements.define appears outside the registering files (${REGISTERING_FILES.join(', ')}): ` +
        `${offenders.map((file) => relative(root, file)).join(', ')}. ` +
        'Keep the define() call in src/element/define.ts and do not call it from modules the class entry imports.',
    );
  }
}

/**
 * A page with no `<meta charset>`, served as `text/html` without a charset, makes the browser read a script it
 * loads in the page's guessed encoding (windows-1252 in Chromium): every Mongolian or Russian label would be
 * garbled. So every built .js file is pure ASCII (rolldown's `charset: 'ascii'` writes \u escapes); this
 * guards it, naming the file, line and character.
 */
function checkAsciiOnly() {
  const offenders = [];
  for (const file of listFiles(dist).filter((f) => f.endsWith('.js'))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((line) => /[^\x00-\x7f]/.test(line));
    if (at === -1) continue;
    const char = lines[at].match(/[^\x00-\x7f]/)[0];
    const column = lines[at].indexOf(char);
    const hex = char.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    offenders.push(`${relative(root, file)}:${at + 1}:${column + 1} has "${char}" (U+${hex}) near "${lines[at].slice(Math.max(0, column - 30), column + 10)}"`);
  }
  if (offenders.length > 0) {
    fail(
      `built files must be pure ASCII, so the widget reads right on a page without a charset; non-ASCII found:\n  ${offenders.join('\n  ')}\n` +
        "Keep output.charset: 'ascii' in every build, and keep non-ASCII text out of comments the build keeps.",
    );
  }
}

/** Every path package.json promises must exist after a build (types included). */
function checkExportsResolve() {
  const targets = [];
  const collect = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.exports);
  for (const field of ['main', 'module', 'types', 'customElements']) if (pkg[field]) targets.push(pkg[field]);
  const missing = [...new Set(targets)].filter((target) => !target.includes('*') && !existsSync(join(root, target)));
  if (missing.length > 0) fail(`package.json points at files the build did not make: ${missing.join(', ')}`);
}

/** Absolute entry paths for Vite, noting skipped optional entries. */
function entriesFor(spec) {
  try {
    const chosen = pickEntries(root, spec, (name, candidates) =>
      console.log(`  (skipping optional entry "${name}": none of ${candidates.join(', ')} exists)`),
    );
    return Object.fromEntries(Object.entries(chosen).map(([name, file]) => [name, join(root, file)]));
  } catch (error) {
    fail(error.message);
  }
}

const started = Date.now();
rmSync(dist, { recursive: true, force: true });
rmSync(join(root, 'custom-elements.json'), { force: true });

console.log('Building ES modules for bundlers…');
await buildBrowserModules(entriesFor(BROWSER_ENTRIES));
for (const [name, file] of Object.entries(entriesFor(STANDALONE_ENTRIES))) await buildBrowserModules({ [name]: file });
console.log('Building the Node server kit…');
await buildNodeModules(entriesFor(NODE_ENTRIES));
console.log(`Building the <script> file dist/${SCRIPT_FILE}…`);
await buildScriptFile();
console.log(`Building the qpay-checkout command dist/${CLI_FILE}…`);
await buildCliFile();
console.log('Emitting type declarations…');
emitTypes();
console.log('Generating custom-elements.json…');
emitManifest();

checkRegistrationStaysInRegisteringFiles();
checkExportsResolve();
checkAsciiOnly();
console.log(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
for (const file of listFiles(dist).filter((f) => f.endsWith('.js')).sort()) console.log(`  ${relative(root, file)}`);
