// The e2e's fast n8n installer must place the packages `npm ci` places: its rules on a small
// lockfile, then the committed n8n lockfiles against what npm ci placed from them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { installedKeys } from '../e2e/lockfile-install.mjs';

const other = process.platform === 'linux' ? 'darwin' : 'linux';

const packages: Record<string, Record<string, unknown>> = {
	'': { dependencies: { app: '1.0.0' } },
	'node_modules/app': {
		version: '1.0.0',
		dependencies: { lib: '^2', shared: '^1' },
		optionalDependencies: {
			'native-here': '1',
			'native-elsewhere': '1',
			'native-musl': '1',
			'not-here': '1',
		},
		peerDependencies: { peer: '*', 'optional-peer': '*' },
		peerDependenciesMeta: { 'optional-peer': { optional: true } },
	},
	// app's own copy of lib (nested) wins over the hoisted one.
	'node_modules/app/node_modules/lib': { version: '2.0.0', dependencies: { shared: '^1' } },
	'node_modules/lib': { version: '1.0.0' },
	'node_modules/shared': { version: '1.0.0' },
	'node_modules/native-here': {
		version: '1',
		optional: true,
		os: [process.platform],
		cpu: [process.arch],
	},
	'node_modules/native-elsewhere': { version: '1', optional: true, os: [other] },
	'node_modules/native-musl': {
		version: '1',
		optional: true,
		os: [process.platform],
		libc: ['musl'],
	},
	// npm's negation: excluded where a "!" entry matches.
	'node_modules/not-here': {
		version: '1',
		optional: true,
		os: [`!${process.platform}`, `!${other}`],
	},
	'node_modules/peer': { version: '1', peer: true },
	'node_modules/optional-peer': { version: '1', peer: true },
	// Left over from resolution: nothing requires it.
	'node_modules/lib/node_modules/stale': { version: '1' },
};

describe('installedKeys (the packages npm ci would install from a lockfile)', () => {
	const keys = installedKeys(packages, 'glibc');

	it('follows Node resolution: the nearest node_modules first, then upward', () => {
		expect(keys.has('node_modules/app/node_modules/lib')).toBe(true);
		expect(keys.has('node_modules/shared')).toBe(true);
	});

	it('drops what nothing reaches, packages for another os or libc, and optional peers', () => {
		expect(keys.has('node_modules/lib')).toBe(false);
		expect(keys.has('node_modules/lib/node_modules/stale')).toBe(false);
		expect(keys.has('node_modules/native-elsewhere')).toBe(false);
		if (process.platform === 'linux') expect(keys.has('node_modules/native-musl')).toBe(false);
		expect(keys.has('node_modules/not-here')).toBe(false);
		expect(keys.has('node_modules/optional-peer')).toBe(false);
	});

	it('keeps required peers and optional packages that fit this machine', () => {
		expect([...keys].sort()).toEqual([
			'node_modules/app',
			'node_modules/app/node_modules/lib',
			'node_modules/native-here',
			'node_modules/peer',
			'node_modules/shared',
		]);
	});

	it('fails, as npm ci does, when a required dependency is not in the lockfile', () => {
		const broken = { ...packages, 'node_modules/shared': undefined } as unknown as typeof packages;
		delete broken['node_modules/shared'];
		expect(() => installedKeys(broken, 'glibc')).toThrow(/needs shared, which the lockfile lacks/);
	});
});

// What `npm ci --ignore-scripts` placed from these lockfiles on Linux x64 (glibc), counted from
// the hidden lockfile it wrote (node_modules/.package-lock.json); the key sets were compared and
// are identical, the counts pin them here.
const NPM_CI_PLACED = { 'n8n-1.123.81': 1852, 'n8n-2.41.1': 2232 };

describe.runIf(process.platform === 'linux' && process.arch === 'x64')(
	'installedKeys on the committed n8n lockfiles',
	() => {
		it.each(Object.entries(NPM_CI_PLACED))(
			'%s: as many packages as npm ci placed, none of another platform',
			(name, count) => {
				const lock = JSON.parse(
					readFileSync(join(__dirname, '..', 'e2e', 'locks', `${name}.package-lock.json`), 'utf8'),
				);
				const keys = installedKeys(lock.packages, 'glibc');
				expect(keys.size).toBe(count);
				expect(
					[...keys].filter((k) =>
						/-(darwin|win32|android|freebsd)-|linux-(arm|arm64|musl)|-musl\b/.test(k),
					),
				).toEqual([]);
			},
		);
	},
);
