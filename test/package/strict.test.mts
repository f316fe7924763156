// "strict": true in package.json is a promise to n8n's tooling: `n8n-node lint` refuses to run
// unless eslint.config.mjs is @n8n/node-cli's default, and that default applies n8n Cloud's
// rules (no process, no fs, no console…) to every **/*.ts from the package root. The tests are
// TypeScript too, as .mts (ESM) files, which that glob does not match; their own stricter lint is
// eslint.strict.config.mjs (npm run lint runs both).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const normalized = (text: string) => text.replace(/\s+/g, ' ').trim();

function filesUnder(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		if (entry.name === 'node_modules' || entry.name === '.cache') return [];
		const path = join(dir, entry.name);
		return entry.isDirectory() ? filesUnder(path) : [relative(root, path)];
	});
}

describe('strict mode and n8n Cloud eligibility', () => {
	it('package.json says "strict": true and eslint.config.mjs is node-cli\'s default, byte for byte up to whitespace', () => {
		const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
		expect(manifest.n8n.strict).toBe(true);
		const template = readFileSync(
			join(
				root,
				'node_modules/@n8n/node-cli/dist/template/templates/shared/default/eslint.config.mjs',
			),
			'utf8',
		);
		expect(normalized(readFileSync(join(root, 'eslint.config.mjs'), 'utf8'))).toBe(
			normalized(template),
		);
	});

	it('has no .ts file under test/ (write tests as .mts: n8n Cloud rules would apply to a .ts)', () => {
		expect(
			filesUnder(join(root, 'test')).filter(
				(f) => /\.(ts|cts|tsx)$/.test(f) && !f.endsWith('.d.ts'),
			),
		).toEqual([]);
	});

	it('npm run lint runs n8n-node lint and the stricter project lint', () => {
		const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
		expect(scripts.lint).toContain('n8n-node lint');
		expect(scripts.lint).toContain('eslint.strict.config.mjs');
		expect(scripts.test).toContain('npm run lint');
	});
});
