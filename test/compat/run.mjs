// npm run test:compat: runs the engine tests again on the last n8n 1.x line (n8n-core and
// n8n-workflow 1.x, installed once into test/compat/n8n1/node_modules from its lockfile).
// The built package is copied next to that install, so its `require('n8n-workflow')` finds the
// 1.x copy, as it would inside an n8n 1.x instance.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const install = join(here, 'n8n1');
const wanted = JSON.parse(readFileSync(join(install, 'package.json'), 'utf8')).dependencies;
const say = (text) => process.stdout.write(`[compat] ${text}\n`);

function installedVersion(name) {
	const file = join(install, 'node_modules', name, 'package.json');
	return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
}

function run(command, args, options) {
	const result = spawnSync(command, args, { stdio: 'inherit', ...options });
	if (result.status !== 0) process.exit(result.status ?? 1);
}

const started = Date.now();
if (Object.entries(wanted).some(([name, version]) => installedVersion(name) !== version)) {
	say(
		`installing ${Object.entries(wanted)
			.map(([n, v]) => `${n}@${v}`)
			.join(', ')} into test/compat/n8n1 …`,
	);
	run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
		cwd: install,
	});
	say(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
}
if (!existsSync(join(root, 'dist', 'nodes', 'Inpaint', 'Inpaint.node.js'))) {
	say('dist/ is missing: run `npm run build` first');
	process.exit(1);
}

const packageCopy = join(install, 'node_modules', 'n8n-nodes-pixazo-inpaint');
rmSync(packageCopy, { recursive: true, force: true });
mkdirSync(packageCopy, { recursive: true });
cpSync(join(root, 'dist'), join(packageCopy, 'dist'), { recursive: true });
cpSync(join(root, 'package.json'), join(packageCopy, 'package.json'));

say(
	`engine tests on n8n-core ${installedVersion('n8n-core')} / n8n-workflow ${installedVersion('n8n-workflow')}`,
);
run(
	process.execPath,
	[
		join(root, 'node_modules', 'vitest', 'vitest.mjs'),
		'run',
		'test/engine',
		'test/examples',
		...process.argv.slice(2),
	],
	{
		cwd: root,
		env: { ...process.env, N8N_HARNESS_CORE_DIR: install, PIXAZO_PACKAGE_DIR: packageCopy },
	},
);
