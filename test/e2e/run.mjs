// npm run e2e [-- 1|2]: the package in the n8n application, installed the way n8n installs
// community packages, on n8n 1.x and 2.x (both by default). Per line: n8n installed once into
// test/e2e/.cache/ (reused), the packed tarball installed into a fresh user folder, credentials
// and workflows imported, `n8n execute` runs checked from their JSON; on 2.x also `n8n start`
// with REST and webhook checks. The two lines run side by side (each n8n command keeps about one
// core busy). Prints every step with its duration; exits 1 on any failed check.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { startSimulator } from '../../simulator/server.mjs';
import { cliRuns } from './cli-runs.mjs';
import { startFakeOpenAi } from './fake-openai.mjs';
import {
	ensureBuilt,
	ensureN8n,
	ensureNode24,
	ensureSqlite3,
	n8nCached,
	packPackage,
	updateLockfile,
} from './install.mjs';
import { CACHE, LINES, killAllChildren, runOk, say, seconds, step, timings } from './lib.mjs';
import { startS3Server } from './s3-server.mjs';
import { serverChecks } from './server-checks.mjs';
import { BUCKETS } from './workflows.mjs';

if (process.argv.includes('--update-locks')) {
	// After changing a version in lib.mjs: resolve each line afresh and save test/e2e/locks/*.json.
	const node24 = await ensureNode24();
	for (const line of Object.keys(LINES)) say(`wrote ${await updateLockfile(line, node24)}`);
	process.exit(0);
}

const args = process.argv.slice(2).map((a) =>
	a
		.replace(/^--?(line=)?/, '')
		.replace(/^n8n@?/, '')
		.replace(/\.x$/, ''),
);
const lines = args.length ? [...new Set(args)] : ['1', '2'];
for (const line of lines) {
	if (!LINES[line]) {
		process.stderr.write(`usage: npm run e2e [-- 1|2]   (unknown n8n line "${line}")\n`);
		process.exit(2);
	}
}

const t0 = Date.now();
const reports = [];

/** Everything for one line: install (or reuse) n8n, then the CLI runs, then on 2.x the server checks. */
async function runLine(line, packed, sim, s3, fakeModel, node24, sqlite3) {
	const { name } = LINES[line];
	const report = (text) => {
		reports.push(`${name}: ${text}`);
		say(`  ${name}: ${text}`);
	};
	const n8n = {
		...(await step(`${name}: install n8n@${LINES[line].version} (reused when cached)`, async () =>
			ensureN8n(line, await node24, sqlite3),
		)),
		name,
	};
	const workDir = join(CACHE, 'runs', `n8n-${n8n.version}`);
	rmSync(workDir, { recursive: true, force: true });
	mkdirSync(workDir, { recursive: true });
	const versions = await runOk('node', ['-e', 'process.stdout.write(process.version)'], {
		env: n8n.env,
	});
	const n8nVersion = (await runOk('node', [n8n.bin, '--version'], { env: n8n.env })).stdout
		.trim()
		.split('\n')
		.pop();
	report(`n8n ${n8nVersion} on Node ${versions.stdout}`);
	const ctx = { line, n8n, tarball: packed.tarball, sim, s3, fakeModel, workDir, report };
	try {
		await cliRuns(ctx);
		if (line === '2') await serverChecks(ctx);
	} finally {
		// n8n start copies its editor (about 700 .js files) into <user folder>/.cache/n8n/public:
		// removed, so that `n8n-node lint` (eslint . with node-cli's fixed config) need not parse it.
		rmSync(join(workDir, 'cli-user', '.cache'), { recursive: true, force: true });
	}
}

let sim;
let s3;
let fakeModel;
const failures = [];
try {
	say(
		`end-to-end tests on ${lines.map((l) => `${LINES[l].name} (n8n@${LINES[l].version})`).join(' and ')}`,
	);
	say(`  ${await step('build dist/ if sources changed', ensureBuilt)}`);
	const packed = await step('npm pack', packPackage);
	say(`  ${packed.tarball} (${packed.files.length} files, ${packed.size} bytes)`);
	sim = await step('start the API simulator', () => startSimulator({ jobMs: 800 }));
	say(`  ${sim.url} (submit ${sim.submitBaseUrl}, poll ${sim.pollBaseUrl})`);
	fakeModel = await step('start the fake OpenAI-compatible model', () => startFakeOpenAi());
	say(`  ${fakeModel.baseUrl}/chat/completions`);
	s3 = await step('start the S3-compatible server (s3rver)', () =>
		startS3Server({ dir: join(CACHE, 'runs', 's3'), buckets: Object.values(BUCKETS) }),
	);
	say(`  ${s3.url} (pid ${s3.child.pid}), buckets ${Object.values(BUCKETS).join(', ')}`);

	// Started now, awaited where needed: Node 24, and sqlite3 built while n8n downloads.
	const node24 = lines.some((l) => LINES[l].node24)
		? step('install Node 24 for n8n 2.x (reused when cached)', ensureNode24)
		: null;
	const sqlite3 = lines.every(n8nCached)
		? null
		: step('build sqlite3 from source for the n8n installs (reused when cached)', ensureSqlite3);
	sqlite3?.catch(() => {}); // reported by the lines that wait for it
	const outcomes = await Promise.allSettled(
		lines.map((line) => runLine(line, packed, sim, s3, fakeModel, node24, sqlite3)),
	);
	outcomes.forEach(
		(o, i) => o.status === 'rejected' && failures.push([LINES[lines[i]].name, o.reason]),
	);
} catch (error) {
	failures.push(['setup', error]);
} finally {
	await sim?.close();
	await fakeModel?.close();
	await s3?.stop();
	killAllChildren();
}

say('');
say('summary');
for (const { label, ms, ok } of timings)
	say(`  ${ok ? '✔' : '✘'} ${seconds(ms).padStart(8)}  ${label}`);
say(
	`  total ${seconds(Date.now() - t0)}${lines.length > 1 ? ' (the lines ran side by side)' : ''}`,
);
if (reports.length) {
	say('checked:');
	for (const r of reports) say(`  - ${r}`);
}
for (const [where, error] of failures) {
	say(`FAILED (${where}): ${error?.message ?? error}`);
	if (error?.name !== 'AssertionError' && error?.stack) say(error.stack);
}
say(failures.length ? 'E2E FAILED' : 'E2E PASSED');
process.exit(failures.length ? 1 : 0);
