// The release path: .github/workflows/ci.yml and release.yml are valid GitHub Actions workflows
// (@action-validator/cli, GitHub's schema), release.yml publishes with provenance only after its
// guard, npm ci and npm test, and the guard (scripts/release-guard.mjs) refuses a tag that is
// not v<version> or a repository other than package.json's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const workflow = (name: string) => readFileSync(join(root, '.github/workflows', name), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'pixazo-release-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function validate(file: string) {
	const cli = join(root, 'node_modules/@action-validator/cli/cli.mjs');
	return spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
}

/** The `run:` commands of a workflow, in order. */
const runs = (text: string) =>
	[...text.matchAll(/^\s+(?:- )?run: (.+)$/gm)].map((m) => m[1].trim());

function guard(tag: string, repository: string, fields: Record<string, unknown> = {}) {
	const file = join(work, `package-${Math.random().toString(36).slice(2)}.json`);
	writeFileSync(file, JSON.stringify({ ...manifest, ...fields }));
	const env = { ...process.env, GITHUB_REF_NAME: tag, GITHUB_REPOSITORY: repository };
	return spawnSync(process.execPath, [join(root, 'scripts/release-guard.mjs'), file], {
		encoding: 'utf8',
		env,
	});
}

const slug = /github\.com\/([^/]+\/[^/.#]+)/.exec(manifest.repository.url)![1];

describe('CI and release workflows', () => {
	it.each(['ci.yml', 'release.yml'])('%s is a valid GitHub Actions workflow', (name) => {
		const result = validate(join(root, '.github/workflows', name));
		expect(result.stdout + result.stderr).toBe('');
		expect(result.status).toBe(0);
	});

	it('the validator rejects a workflow GitHub would reject', () => {
		const file = join(work, 'broken.yml');
		writeFileSync(file, workflow('ci.yml').replace('runs-on:', 'runs_on:'));
		expect(validate(file).status).not.toBe(0);
	});

	it('CI runs .ci/run on every push and pull request', () => {
		const ci = workflow('ci.yml');
		expect(ci).toMatch(/^on:\n {2}push:\n {2}pull_request:\n/m);
		expect(runs(ci)).toContain('bash .ci/run');
	});

	it('release runs on v* tags only, guards, installs, tests, then publishes with provenance', () => {
		const release = workflow('release.yml');
		expect(release).toMatch(/^on:\n {2}push:\n {4}tags:\n {6}- 'v\*'\n\n/m);
		expect(release).toMatch(/^ {6}id-token: write$/m);
		expect(runs(release).filter((r) => !r.startsWith('npm install --global npm@'))).toEqual([
			'node scripts/release-guard.mjs',
			'npm ci',
			'npm test',
			'npm publish --provenance --access public',
		]);
	});
});

describe('the release guard', () => {
	it('passes the tag v<version> in the repository package.json names', () => {
		const result = guard(`v${manifest.version}`, slug);
		expect(result.stderr).toBe('');
		expect(result.status).toBe(0);
	});

	it('refuses any other tag', () => {
		for (const tag of [manifest.version, `v${manifest.version}-rc.1`, 'v9.9.9']) {
			const result = guard(tag, slug);
			expect(result.status).toBe(1);
			expect(result.stderr).toContain(`is not "v${manifest.version}"`);
		}
	});

	it('refuses to publish from another repository than package.json names (a fork, a placeholder)', () => {
		const result = guard(`v${manifest.version}`, 'someone/a-fork');
		expect(result.status).toBe(1);
		expect(result.stderr).toContain(
			`package.json's repository is ${slug}, but this workflow runs in someone/a-fork`,
		);
	});

	it('refuses a package.json without a GitHub repository', () => {
		const result = guard(`v${manifest.version}`, slug, { repository: undefined });
		expect(result.status).toBe(1);
		expect(result.stderr).toContain('no GitHub `repository`');
	});

	it('reads the shorthand forms of repository too', () => {
		for (const repository of [`github:${slug}`, slug, `https://github.com/${slug}`]) {
			expect(guard(`v${manifest.version}`, slug, { repository }).status).toBe(0);
		}
	});

	it('package.json: repository, bugs and homepage name the same GitHub repository', () => {
		expect(manifest.repository.type).toBe('git');
		expect(manifest.bugs.url).toBe(`https://github.com/${slug}/issues`);
		expect(manifest.homepage).toBe(`https://github.com/${slug}#readme`);
	});
});
