import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { disposeHarness, loadPackage } from '../harness/engine.mjs';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('the published package', () => {
	afterAll(() => disposeHarness());

	it('ships only dist/, README, LICENSE and package.json', () => {
		const [report] = JSON.parse(
			execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
				cwd: root,
				encoding: 'utf8',
			}),
		);
		const paths: string[] = report.files.map((f: { path: string }) => f.path);
		const stray = paths.filter(
			(p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(p),
		);
		expect(stray).toEqual([]);
		expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
		for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials])
			expect(paths).toContain(file);
		// Icons and the codex travel with the compiled files, where n8n looks for them.
		expect(paths).toEqual(
			expect.arrayContaining([
				'dist/nodes/Inpaint/inpaint.svg',
				'dist/nodes/Inpaint/inpaint.dark.svg',
				'dist/nodes/Inpaint/Inpaint.node.json',
				'dist/credentials/pixazo.svg',
				'dist/credentials/pixazo.dark.svg',
			]),
		);
		expect(paths.some((p) => /\.test\.|simulator|\.map$/.test(p))).toBe(false);
	});

	it('declares what n8n requires of a community package, with no runtime dependencies', () => {
		expect(manifest.name).toBe('n8n-nodes-pixazo-inpaint');
		expect(manifest.keywords).toContain('n8n-community-node-package');
		expect(manifest.license).toBe('MIT');
		expect(manifest.n8n.n8nNodesApiVersion).toBe(1);
		expect(manifest.dependencies ?? {}).toEqual({});
		expect(manifest.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
			expect(existsSync(join(root, file)), `${file} exists after the build`).toBe(true);
		}
	});

	it.each(['lazy', 'eager'] as const)(
		'loads with n8n-core\'s %s package loader as node "inpaint" and credential "pixazoApi"',
		async (loader) => {
			const pkg = await loadPackage(root, { loader, fresh: true });
			expect(pkg.packageName).toBe('n8n-nodes-pixazo-inpaint');
			expect(pkg.nodeNames).toContain('n8n-nodes-pixazo-inpaint.inpaint');
			expect(pkg.credentialNames).toContain('pixazoApi');
			const node = pkg.nodeTypes.getByNameAndVersion('n8n-nodes-pixazo-inpaint.inpaint', 1);
			expect(node.description.usableAsTool).toBe(true);
			expect(node.description.credentials).toEqual([{ name: 'pixazoApi', required: true }]);
		},
	);
});
