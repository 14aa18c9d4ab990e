// The README's "Add it to your shop", run as written: its code blocks are extracted into an empty project with
// the packed tarball installed (and msw, as its install line says), its server is started with plain `node`,
// and Chromium drives its page to PAID with its "Simulate payment" button. The same server then serves each
// page layout of "Using it from a `<script>` tag", loaded five times each: the order must be in the first POST.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { findChromium, launchChromium, skipWithoutChromium } from './helpers/demo-browser.js';
import { ROOT, packIntoEmptyProject } from './helpers/packed-package.js';
import { readDocBlocks, type DocBlock } from './helpers/doc-blocks.js';
import { freePort } from './helpers/servers.js';

const chromiumPath = findChromium();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced code blocks of the README section with this heading (up to the next `## `), with their markings. */
function sectionBlocks(heading: string): DocBlock[] {
  const blocks = readDocBlocks('README.md').filter((block) => block.section === heading);
  assert.ok(blocks.length > 0, `the README has a "${heading}" section with code blocks`);
  return blocks;
}

/** The file a block is, from its marking: `<!-- file: shop/index.html -->` or `<!-- run: shop/server.mjs -->`. */
function fileName(block: DocBlock): string {
  const path = block.marker?.kind === 'file' ? block.marker.path : undefined;
  if (!path?.startsWith('shop/')) assert.fail(`a README block of the shop is marked <!-- file: shop/NAME -->:\n${block.text}`);
  return path.slice('shop/'.length);
}

const shopBlocks = sectionBlocks('Add it to your shop');
const install = shopBlocks.find((block) => block.marker?.kind === 'shell');
const files = shopBlocks.filter((block) => block.marker?.kind === 'file');
/** The packages the README's install line names beside qpay-checkout. */
const installed = (install?.text.match(/npm install (.+)/)?.[1] ?? '').split(/\s+/).filter(Boolean);

let project = '';
let server: ChildProcess | undefined;
let serverLog = '';
let port = 0;
let browser: Browser | undefined;

describe('README: Add it to your shop, run as written against the packed package', { skip: skipWithoutChromium(chromiumPath) }, () => {
  before(
    async () => {
      assert.ok(installed.includes('qpay-checkout'), `the install line installs qpay-checkout: ${install?.text}`);
      ({ dir: project } = packIntoEmptyProject(
        installed.filter((name) => name !== 'qpay-checkout'),
        (message) => console.log(`[readme test] ${message}`),
      ));
      for (const block of files) writeFileSync(join(project, fileName(block)), block.text);
      port = await freePort();
      server = spawn(process.execPath, ['server.mjs'], { cwd: project, env: { ...process.env, PORT: String(port) } });
      server.stdout!.on('data', (chunk: Buffer) => void (serverLog += chunk.toString()));
      server.stderr!.on('data', (chunk: Buffer) => void (serverLog += chunk.toString()));
      const deadline = Date.now() + 20_000;
      while (!serverLog.includes(`http://localhost:${port}`)) {
        if (Date.now() > deadline || server.exitCode !== null) assert.fail(`server.mjs did not start:\n${serverLog}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      browser = await launchChromium(chromiumPath!);
    },
    { timeout: 240_000 },
  );

  after(async () => {
    await browser?.close();
    server?.kill();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('is a server, a page and a page script with no more than 42 lines of the shop\'s own (the two <meta> lines included)', () => {
    assert.deepEqual(files.map(fileName).sort(), ['checkout-page.js', 'index.html', 'server.mjs']);
    const lines = files.reduce((sum, block) => sum + block.text.split('\n').filter((line) => line.trim() !== '').length, 0);
    assert.ok(lines <= 42, `${lines} lines`);
  });

  /** Opens the shop page and answers the body of the first POST to the invoice route. */
  async function openShop(): Promise<{ page: Page; firstOrder: Promise<string | null> }> {
    const page = await browser!.newPage();
    const firstOrder = page
      .waitForRequest((request) => request.method() === 'POST' && new URL(request.url()).pathname === '/qpay/invoice', { timeout: 10_000 })
      .then((request) => request.postData());
    await page.goto(`http://localhost:${port}/`);
    return { page, firstOrder };
  }

  it('reaches PAID in Chromium with the page\'s Simulate payment button; onPaid runs on the server', async () => {
    const { page, firstOrder } = await openShop();
    try {
      assert.deepEqual(JSON.parse((await firstOrder) ?? 'null'), { orderId: 'A-1001' });
      await page.waitForFunction(() => document.querySelector('qpay-checkout')?.dataset['state'] === 'waiting', undefined, { timeout: 10_000 });
      await page.click('#simulate');
      await page.waitForFunction(() => document.querySelector('qpay-checkout')?.dataset['state'] === 'paid', undefined, { timeout: 10_000 });
      assert.equal(await page.textContent('h1'), 'Paid, thank you!');
      assert.match(serverLog, /order A-1001 paid 25000 MNT/);
    } finally {
      await page.close();
    }
  });

  const layouts = sectionBlocks('Using it from a `<script>` tag').filter((block) => block.language === 'html' && block.text.includes('invoice-url='));

  it('each <script> layout of the README sends the order in its first POST, five loads of five', async () => {
    assert.ok(layouts.length >= 3, 'the README shows the deferred, end-of-body and order-attribute layouts');
    const page = join(project, 'index.html');
    const shopPage = readFileSync(page, 'utf8');
    try {
      for (const layout of [shopPage, ...layouts.map((block) => `<!doctype html>\n<h1>Green tea x2</h1>\n${block.text}`)]) {
        writeFileSync(page, layout);
        const sent: unknown[] = [];
        for (let load = 0; load < 5; load++) {
          const { page: tab, firstOrder } = await openShop();
          sent.push(JSON.parse((await firstOrder) ?? 'null'));
          await tab.close();
        }
        assert.deepEqual(sent, Array(5).fill({ orderId: 'A-1001' }), `first POST bodies for the layout:\n${layout}`);
      }
    } finally {
      writeFileSync(page, shopPage);
    }
  });
});

describe('README links for npm users', () => {
  it('package.json names the repository, homepage and issues, and the README links into that same repository', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      repository: { url: string };
      homepage: string;
      bugs: { url: string };
    };
    const repo = /^git\+(https:\/\/github\.com\/[\w-]+\/[\w-]+)\.git$/.exec(pkg.repository.url)?.[1];
    assert.ok(repo, pkg.repository.url);
    assert.equal(pkg.homepage, `${repo}#readme`);
    assert.equal(pkg.bugs.url, `${repo}/issues`);
    const links = [...README.matchAll(/\]\((https:\/\/github\.com\/[^)\s]+)\)/g)].map((match) => match[1]!);
    assert.ok(links.length > 5);
    for (const link of links) assert.ok(link.startsWith(repo), `${link} is in ${repo}`);
  });

  it('the sections for npm users name no repository file without linking it', () => {
    for (const heading of ['Add it to your shop', 'Using it from a `<script>` tag']) {
      const start = README.indexOf(`\n## ${heading}\n`);
      const section = README.slice(start, README.indexOf('\n## ', start + 1));
      const prose = section.replace(/^```[\s\S]*?^```$/gm, '');
      const bare = [...prose.matchAll(/(?<!\[)`((?:demo|test|src|scripts|bench)\/[^`]*)`/g)].map((match) => match[1]);
      assert.deepEqual(bare, [], `${heading}: repository paths without a link`);
    }
  });
});
