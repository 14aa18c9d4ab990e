// custom-elements.json, from the element's JSDoc (@event, @csspart, @cssprop, @slot) and its Lit properties.
// The analyzer reads src/, but the package ships bundled files, so a last step rewrites the manifest in terms of
// the published entries: the element's class is declared in dist/element.js (the side-effect-free class entry),
// dist/index.js (also the `qpay-checkout/define` subpath) defines the <qpay-checkout> tag, and internal source modules are left out.
import { posix } from 'node:path';
import { BROWSER_ENTRIES, pickEntries } from './scripts/entries.mjs';

const TAG = 'qpay-checkout';
const CLASS_ENTRY = 'element';
/** Entries that register the tag when imported. */
const DEFINING_ENTRIES = ['index'];

const sources = pickEntries(process.cwd(), BROWSER_ENTRIES);
const distPath = (entry) => `dist/${entry}.js`;
const entryBySource = new Map(Object.entries(sources).map(([entry, source]) => [source, entry]));

/**
 * A module reference in the analyzer's output -> the source path it names. References come as written
 * (`./qpay-checkout.js` in src/element/index.ts -> `src/element/qpay-checkout.ts`) or, for `export *`,
 * already from the root (`src/element/events.js`).
 */
function resolveSource(fromPath, specifier) {
  if (!specifier) return fromPath;
  if (specifier.startsWith('.')) return posix.join(posix.dirname(fromPath), specifier).replace(/\.js$/, '.ts');
  if (specifier.startsWith('src/')) return specifier.replace(/\.js$/, '.ts');
  return specifier;
}

function publishedManifest(manifest) {
  const modulesByPath = new Map(manifest.modules.map((module) => [module.path, module]));
  const findDeclaration = (name, path, seen = new Set()) => {
    if (seen.has(path)) return undefined;
    seen.add(path);
    const module = modulesByPath.get(path);
    if (!module) return undefined;
    const local = module.declarations?.find((declaration) => declaration.name === name);
    if (local) return local;
    for (const exported of module.exports ?? []) {
      if (exported.kind !== 'js' || (exported.name !== name && exported.name !== '*')) continue;
      const target = exported.declaration;
      const found = findDeclaration(target.name === '*' ? name : target.name, resolveSource(path, target.module), seen);
      if (found) return found;
    }
    return undefined;
  };

  /**
   * The JS exports of a source module as (exported name, declaration) pairs, with `export *` expanded.
   * Exports with no analyzable declaration (type-only exports, or values from outside the analyzed files)
   * are left out, so the manifest lists only what the analyzer could describe.
   */
  function resolvedExports(path, seen = new Set()) {
    if (seen.has(path)) return [];
    seen.add(path);
    const result = [];
    for (const exported of modulesByPath.get(path)?.exports ?? []) {
      if (exported.kind !== 'js') continue;
      const target = resolveSource(path, exported.declaration.module);
      if (exported.name === '*') {
        result.push(...resolvedExports(target, seen));
        continue;
      }
      const declaration = findDeclaration(exported.declaration.name, target);
      if (declaration) result.push({ name: exported.name, declaration });
    }
    return result;
  }

  // Every custom element class, wherever in src/ it is declared.
  const elementClasses = manifest.modules.flatMap((module) =>
    (module.declarations ?? []).filter((declaration) => declaration.customElement),
  );
  for (const declaration of elementClasses) {
    declaration.tagName ??= TAG;
    // The analyzer also reports each `dispatchEvent(new SomeEvent())` it sees, without a name when the name
    // lives in the event class; the documented @event entries already name them.
    declaration.events = declaration.events?.filter((event) => event.name);
    // Lit's internal state (`static properties` entries with `state: true`, private fields) has no attribute,
    // but the analyzer gives every static property one.
    const privateFields = new Set(declaration.members?.filter((member) => member.privacy === 'private').map((member) => member.name));
    declaration.attributes = declaration.attributes?.filter((attribute) => !privateFields.has(attribute.fieldName));
    for (const member of declaration.members ?? []) if (privateFields.has(member.name)) delete member.attribute;
  }
  const elementClass = elementClasses[0];
  if (!elementClass) throw new Error(`no custom element class found in ${sources[CLASS_ENTRY]} or the modules it exports`);

  const published = [];
  for (const [entry, source] of Object.entries(sources)) {
    const module = modulesByPath.get(source);
    if (!module) continue;
    const path = distPath(entry);
    const exports = [];
    const declarations = [];
    for (const { name, declaration } of resolvedExports(source)) {
      // Declarations live once, in the entry that declares or best represents them; others refer to it.
      const home = declarationHome(declaration);
      if (home === path && !declarations.includes(declaration)) declarations.push(declaration);
      exports.push({ kind: 'js', name, declaration: { name: declaration.name, module: home } });
    }
    if (DEFINING_ENTRIES.includes(entry)) {
      exports.push({
        kind: 'custom-element-definition',
        name: TAG,
        declaration: { name: elementClass.name, module: distPath(CLASS_ENTRY) },
      });
    }
    published.push({ kind: 'javascript-module', path, declarations, exports });
  }

  /**
   * Where a declaration is published: the entry whose own source declares it, else the class entry when it
   * exports it, else the first entry that exports it.
   */
  function declarationHome(declaration) {
    const exportsIt = (entry) => resolvedExports(sources[entry]).some((exported) => exported.declaration === declaration);
    const entries = Object.keys(sources);
    const home =
      entries.find((entry) => modulesByPath.get(sources[entry])?.declarations?.includes(declaration)) ??
      (exportsIt(CLASS_ENTRY) ? CLASS_ENTRY : entries.find(exportsIt)) ??
      CLASS_ENTRY;
    return distPath(home);
  }

  // Inherited members and superclasses may still point at internal source modules; point them at the class entry.
  const internal = (module) => typeof module === 'string' && module.startsWith('src/') && !entryBySource.has(module);
  const repoint = (value) => {
    if (Array.isArray(value)) value.forEach(repoint);
    else if (value && typeof value === 'object') {
      if (internal(value.module)) value.module = distPath(CLASS_ENTRY);
      else if (entryBySource.has(value.module)) value.module = distPath(entryBySource.get(value.module));
      Object.values(value).forEach(repoint);
    }
  };
  repoint(published);
  manifest.modules = published;
}

export default {
  globs: ['src/index.ts', 'src/element/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [
    {
      name: 'qpay-published-entries',
      packageLinkPhase({ customElementsManifest }) {
        publishedManifest(customElementsManifest);
      },
    },
  ],
};
