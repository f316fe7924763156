// The e2e's fast n8n installer must place exactly what `npm ci` places; this pins its rules on a
// small lockfile (the e2e itself then proves them on n8n's 2,000+ packages).
import { describe, expect, it } from 'vitest';

import { installedKeys } from '../e2e/lockfile-install.mjs';

const other = process.platform === 'linux' ? 'darwin' : 'linux';

const packages: Record<string, Record<string, unknown>> = {
	'': { dependencies: { app: '1.0.0' } },
	'node_modules/app': {
		version: '1.0.0',
		dependencies: { lib: '^2', shared: '^1' },
		optionalDependencies: { 'native-here': '1', 'native-elsewhere': '1', 'native-musl': '1' },
		peerDependencies: { peer: '*', 'optional-peer': '*' },
		peerDependenciesMeta: { 'optional-peer': { optional: true } },
	},
	// app's own copy of lib (nested) wins over the hoisted one.
	'node_modules/app/node_modules/lib': { version: '2.0.0', dependencies: { shared: '^1' } },
	'node_modules/lib': { version: '1.0.0' },
	'node_modules/shared': { version: '1.0.0' },
	'node_modules/native-here': { version: '1', optional: true, os: [process.platform], cpu: [process.arch] },
	'node_modules/native-elsewhere': { version: '1', optional: true, os: [other] },
	'node_modules/native-musl': { version: '1', optional: true, os: [process.platform], libc: ['musl'] },
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
		expect(keys.has('node_modules/native-musl')).toBe(false);
		expect(keys.has('node_modules/optional-peer')).toBe(false);
	});

	it('keeps required peers and optional packages that fit this machine', () => {
		expect([...keys].sort()).toEqual(
			['node_modules/app', 'node_modules/app/node_modules/lib', 'node_modules/native-here', 'node_modules/peer', 'node_modules/shared'],
		);
	});
});
