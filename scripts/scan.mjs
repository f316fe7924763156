// n8n's own gate, run locally: `analyzePackage` from @n8n/scan-community-package (the version
// pinned in package.json, the one n8n runs before it verifies a package) over the published
// tarball (compiled .js and package.json) and over the sources n8n fetches through npm
// provenance (package.json, nodes/, credentials/), inline eslint-disable comments ignored.
//
//   node scripts/scan.mjs                       pack this package, scan the tarball and the sources
//   node scripts/scan.mjs --json <dir> tarball|source   scan one directory, print { passed, message, details }
//
// Runs in its own process: eslint-plugin-n8n-nodes-base treats every file as `Test.node.ts` when
// NODE_ENV is "test" (as under vitest), which would report rules that do not apply.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(
	'@n8n/scan-community-package/scanner/scanner.mjs'
);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PATTERNS = { tarball: ['**/*.js', 'package.json'], source: SOURCE_FILE_PATTERNS };

async function scan(dir, kind) {
	const { passed, message, details } = await analyzePackage(dir, PATTERNS[kind]);
	return { passed, message, details };
}

if (process.argv[2] === '--json') {
	const [dir, kind] = process.argv.slice(3);
	if (!PATTERNS[kind]) throw new Error('usage: node scripts/scan.mjs --json <dir> tarball|source');
	process.stdout.write(JSON.stringify(await scan(dir, kind)));
} else {
	const work = mkdtempSync(join(tmpdir(), 'pixazo-scan-'));
	try {
		const [report] = JSON.parse(
			execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
				cwd: root,
				encoding: 'utf8',
			}),
		);
		execFileSync('tar', ['-xzf', join(work, report.filename), '-C', work]);
		let failed = false;
		for (const [label, dir, kind] of [
			[report.filename, join(work, 'package'), 'tarball'],
			['package.json, nodes/, credentials/', root, 'source'],
		]) {
			const result = await scan(dir, kind);
			process.stdout.write(
				`${result.passed ? 'passed' : 'FAILED'}: ${label}${result.message ? ` (${result.message})` : ''}\n${result.details ?? ''}`,
			);
			failed ||= !result.passed;
		}
		process.exitCode = failed ? 1 : 0;
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}
