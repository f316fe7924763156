// n8n's own gate: before n8n verifies a community package it runs `analyzePackage` from
// @n8n/scan-community-package (pinned in package.json to the version n8n runs) over the published
// tarball (compiled .js + package.json) and over the provenance-attested sources (package.json,
// nodes/, credentials/). Both must report no error, inline eslint-disable comments ignored.
// scripts/scan.mjs runs it in a child process, outside vitest's NODE_ENV=test.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
let work: string;

function scan(
	dir: string,
	kind: 'tarball' | 'source',
): { passed: boolean; message?: string; details?: string } {
	const env = { ...process.env };
	delete env.NODE_ENV;
	return JSON.parse(
		execFileSync(process.execPath, [join(root, 'scripts/scan.mjs'), '--json', dir, kind], {
			cwd: root,
			env,
			encoding: 'utf8',
		}),
	);
}

beforeAll(() => {
	work = mkdtempSync(join(tmpdir(), 'pixazo-scan-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("n8n's community package scanner", () => {
	it('is pinned to one exact version, the one installed', () => {
		const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies[
			'@n8n/scan-community-package'
		];
		const installed = JSON.parse(
			readFileSync(join(root, 'node_modules/@n8n/scan-community-package/package.json'), 'utf8'),
		).version;
		expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
		expect(installed).toBe(pinned);
	});

	it('finds no error in the packed tarball', () => {
		const [report] = JSON.parse(
			execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
				cwd: root,
				encoding: 'utf8',
			}),
		);
		const unpacked = join(work, 'tarball');
		mkdirSync(unpacked);
		execFileSync('tar', ['-xzf', join(work, report.filename), '-C', unpacked]);
		const result = scan(join(unpacked, 'package'), 'tarball');
		expect(result.details ?? result.message ?? '').toBe('');
		expect(result.passed).toBe(true);
	});

	it('finds no error in package.json, nodes/ and credentials/', () => {
		const result = scan(root, 'source');
		expect(result.details ?? result.message ?? '').toBe('');
		expect(result.passed).toBe(true);
	});

	it('fails a copy of the sources with a console call behind an eslint-disable comment', () => {
		const copy = join(work, 'bad-source');
		for (const part of ['package.json', 'nodes', 'credentials'])
			cpSync(join(root, part), join(copy, part), { recursive: true });
		const file = join(copy, 'nodes/Inpaint/Inpaint.node.ts');
		writeFileSync(
			file,
			`${readFileSync(file, 'utf8')}\n// eslint-disable-next-line no-console\nconsole.log('debug');\n`,
		);
		const result = scan(copy, 'source');
		expect(result.passed).toBe(false);
		expect(result.details).toContain('no-console');
	});
});
