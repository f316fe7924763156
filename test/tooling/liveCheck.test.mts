// The live check (npm run test:live, test/live/) and npm run demo -- --live, proven against the
// simulator started as its own process, as the real API would be: the same file and code path,
// with the simulator's URLs and key in PIXAZO_*. The check passes; it fails, naming the field, when
// the simulator renames one; without a key it skips every case by name and sends nothing.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { forkSimulator } from '../../bench/simProcess.mjs';
import {
	CASES,
	checkDoneAnswer,
	checkRejectedKey,
	checkSubmitAnswer,
	ContractError,
	poll,
	smallJob,
	submit,
	waitUntilDone,
	WRONG_KEY,
} from '../live/contract.mts';
import {
	KEY_VARIABLE,
	NO_KEY_REASON,
	POLL_VARIABLE,
	ROOT,
	SUBMIT_VARIABLE,
} from '../live/settings.mjs';

type Sim = Awaited<ReturnType<typeof forkSimulator>>;
interface Run {
	code: number | null;
	out: string;
}

/** The environment of a child: this one without vitest's or any live settings, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env))
		if (!/^(VITEST|PIXAZO_)/.test(name) && name !== 'NODE_ENV') env[name] = value;
	return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** Runs `node <args>` in the repository; resolves with its exit code and its output. */
function runNode(args: string[], env: Record<string, string>): Promise<Run> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(env) });
		let out = '';
		child.stdout.on('data', (d) => (out += d));
		child.stderr.on('data', (d) => (out += d));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, out }));
	});
}

interface Report {
	testResults: {
		assertionResults: { title: string; status: string; failureMessages: string[] }[];
	}[];
}

/** npm run test:live's vitest run, with a JSON report beside its verbose output. */
async function runLiveCheck(env: Record<string, string>) {
	const dir = await mkdtemp(join(tmpdir(), 'live-check-'));
	try {
		const file = join(dir, 'report.json');
		const run = await runNode(
			[
				join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
				'run',
				'--config',
				'test/live/vitest.config.mts',
				'--reporter=verbose',
				'--reporter=json',
				`--outputFile.json=${file}`,
			],
			env,
		);
		const report = JSON.parse(await readFile(file, 'utf8')) as Report;
		const cases = Object.fromEntries(
			report.testResults[0].assertionResults.map((a) => [a.title, a]),
		);
		return { ...run, cases };
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

/** PIXAZO_* pointing at the simulator, with its key or (keyless) none. */
const liveEnv = (sim: Sim, keyless = false): Record<string, string> => ({
	...(keyless ? {} : { [KEY_VARIABLE]: sim.key }),
	[SUBMIT_VARIABLE]: sim.submitBaseUrl,
	[POLL_VARIABLE]: sim.pollBaseUrl,
});

describe('the live check against the simulator in its own process', () => {
	let sim: Sim;
	// Every job is running for 2 polls and done at the 3rd: the check sees both, whatever the timing.
	beforeAll(async () => {
		sim = await forkSimulator({ jobPolls: 2 });
	});
	beforeEach(async () => {
		await sim.reset();
	});
	afterAll(async () => {
		await sim?.close();
	});

	it('without a key: every case is skipped, by name, with the reason; exit 0; nothing sent', async () => {
		const run = await runLiveCheck(liveEnv(sim, true));
		expect(run.code, run.out).toBe(0);
		for (const name of Object.values(CASES)) {
			expect(run.cases[name]?.status, name).toBe('skipped');
			expect(run.out).toContain(`${name} `);
		}
		expect(run.out.match(new RegExp(`\\[${NO_KEY_REASON}\\]`, 'g'))).toHaveLength(6);
		expect((await sim.stats()).requests).toEqual({ submit: 0, poll: 0, results: 0, other: 0 });
	}, 120_000);

	it('with the key: every case passes, with one job and no request to the submit base URL but that job', async () => {
		const run = await runLiveCheck(liveEnv(sim));
		expect(run.code, run.out).toBe(0);
		for (const name of Object.values(CASES)) expect(run.cases[name]?.status, name).toBe('passed');
		const stats = await sim.stats();
		expect(stats.jobsCreated).toBe(1);
		expect(stats.requests.submit).toBe(1);
		expect(stats.requests.results).toBe(1);
		// the credential test asks with the key about a job that does not exist (404); the wrong
		// key's poll is the only request with another key
		expect(stats.answeredByKey.other).toEqual({ 401: 1 });
		expect(stats.answeredByKey.key0['404']).toBe(1);
		expect(stats.jobs[0].polls).toBe(3); // running, running, done
		expect(run.out).not.toContain(sim.key);
	}, 120_000);

	it('the simulator renames "status": the check fails and names the field', async () => {
		await sim.configure({ renameFields: { status: 'state' } });
		const run = await runLiveCheck(liveEnv(sim));
		expect(run.code).toBe(1);
		const failed = run.cases[CASES.running];
		expect(failed.status).toBe('failed');
		expect(failed.failureMessages.join('\n')).toMatch(
			/ContractError: the status answer: the field "status" is missing; it has "state", "job_set_id"/,
		);
		expect(run.out).toContain('the field "status" is missing');
		expect(run.cases[CASES.submit].status).toBe('passed');
	}, 120_000);

	it('the same checks name the other fields the node relies on when they are renamed', async () => {
		const t = { key: sim.key, submitBaseUrl: sim.submitBaseUrl, pollBaseUrl: sim.pollBaseUrl };
		await sim.configure({ renameFields: { job_set_id: 'id' } });
		await expect(submit(t, smallJob()).then(checkSubmitAnswer)).rejects.toThrow(
			/neither "imageUrl" \(an image now\) nor "job_set_id" \(a job to check\) is in it; it has "success", "id", "status"/,
		);
		await sim.configure({ renameFields: { imageUrl: 'image_url' }, jobPolls: 0 });
		const job = checkSubmitAnswer(await submit(t, smallJob()));
		expect(job.kind).toBe('job');
		const id = job.kind === 'job' ? job.jobSetId : '';
		const { answer } = await waitUntilDone(t, id, null);
		expect(() => checkDoneAnswer(answer, id)).toThrow(
			/results\[0\]: the field "imageUrl" is missing; it has "image_url", "job_id" \(the node also reads other names/,
		);
		await sim.configure({ renameFields: { error: 'message' } });
		const refused = await poll(t, 'x', WRONG_KEY);
		expect(() => checkRejectedKey(refused)).toThrow(ContractError);
		expect(() => checkRejectedKey(refused)).toThrow(
			/the field "error" is missing; it has "message"/,
		);
		await sim.configure({ renameFields: null, mode: 'sync' });
		expect(checkSubmitAnswer(await submit(t, smallJob()))).toMatchObject({ kind: 'image' });
	});
});

describe('npm run demo -- --live', () => {
	let sim: Sim;
	beforeAll(async () => {
		sim = await forkSimulator({ jobPolls: 1 });
	});
	afterAll(async () => {
		await sim?.close();
	});

	it('without a key: says so in one line, exits non-zero, builds and sends nothing', async () => {
		const run = await runNode(['scripts/demo.mjs', '--live'], liveEnv(sim, true));
		expect(run.code).not.toBe(0);
		expect(run.out.trimEnd().split('\n')).toEqual([
			`npm run demo -- --live: ${NO_KEY_REASON}. Set it to your Pixazo subscription key.`,
		]);
		expect((await sim.stats()).requests).toEqual({ submit: 0, poll: 0, results: 0, other: 0 });
	}, 60_000);

	it('with a key: runs the example through n8n against the given base URLs and saves the image', async () => {
		const out = await mkdtemp(join(tmpdir(), 'demo-live-'));
		try {
			const run = await runNode(
				['scripts/demo.mjs', '--live', '--no-build', '--out', out],
				liveEnv(sim),
			);
			expect(run.code, run.out).toBe(0);
			expect(run.out).toContain(`Live: one job to ${sim.submitBaseUrl}/getImage`);
			expect(run.out).not.toContain(sim.key);
			expect(await readdir(out)).toEqual(['dog-to-lion-live.png']);
			const stats = await sim.stats();
			expect([stats.jobsCreated, stats.requests.submit]).toEqual([1, 1]);
		} finally {
			await rm(out, { recursive: true, force: true });
		}
	}, 120_000);
});
