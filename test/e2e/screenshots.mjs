// npm run screenshots: the Inpaint node as users see it in the n8n 2.x editor. Starts n8n 2.x
// (installed by the e2e into test/e2e/.cache/) with the packed package as a community package,
// creates the owner, a Pixazo API credential and a workflow holding the node over the REST API,
// then drives Debian's Chromium (playwright-core with executablePath; never a downloaded browser)
// and saves PNGs of the node's panel into docs/images/. Not part of CI.
/* global document, window, localStorage -- used in functions that run in the browser */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

import { chromium } from 'playwright-core';

import { startSimulator } from '../../simulator/server.mjs';
import {
	ensureBuilt,
	ensureN8n,
	ensureNode24,
	ensureSqlite3,
	installCommunityPackage,
	n8nCached,
	packPackage,
} from './install.mjs';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS_DIR as OUT } from './chromium.mjs';
import { CACHE, ROOT, killAllChildren, say, step } from './lib.mjs';
import { BROWSER_ID, createWorkflow, setupOwner, startServer } from './server.mjs';
import { screenshotWorkflow } from './workflows.mjs';
import { simulatorCredential } from '../harness/inpaint-workflow.mjs';

/** Opens the node called `name` in the node details view, with the mouse parked off any field. */
async function openNode(page, name) {
	await page.locator('[data-test-id="canvas-node"]').filter({ hasText: name }).first().dblclick();
	await page.locator('[data-test-id="node-parameters"]').waitFor();
	await page.mouse.move(2, 2);
	await page.waitForTimeout(600); // let fields and the credential slot settle
}

async function closeNode(page) {
	await page.locator('[data-test-id="ndv-close-button"]').click();
	await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden' });
}

/** Saves the node panel's parameter column (the part a user fills in) as docs/images/<file>. */
async function shootPanel(page, file, { extraBelow = 0, tooltip = '', maxHeight = Infinity } = {}) {
	const clip = await page.evaluate(
		([extra, withTooltip]) => {
			const column = document
				.querySelector('[data-test-id="node-parameters"]')
				.closest('.node-settings');
			const c = column.getBoundingClientRect();
			// The bottom of the last parameter (the column itself stretches to the dialog's height).
			const fields = [
				...document.querySelectorAll('[data-test-id="node-parameters"] *, .el-select-dropdown'),
			];
			// A tooltip is a last child of <body>: find it by its text.
			if (withTooltip)
				fields.push(
					...[...document.body.children].filter((e) => e.textContent.startsWith(withTooltip)),
				);
			const feedback = document.querySelector('[data-test-id="node-feature-request"]');
			const visible = fields
				.filter((e) => !feedback?.contains(e))
				.map((e) => e.getBoundingClientRect())
				.filter((b) => b.width > 0 && b.height > 0 && b.x < c.right);
			const left = Math.max(0, Math.min(c.x, ...visible.map((b) => b.x - 8)));
			const bottom = Math.min(c.bottom, Math.max(...visible.map((b) => b.bottom)) + 20 + extra);
			// An open dropdown may reach past the column: widen the picture to hold it.
			const right = Math.max(c.right, ...visible.map((b) => b.right));
			return {
				x: left,
				y: c.y,
				width: Math.min(right, window.innerWidth) - left,
				height: Math.max(200, bottom - c.y),
			};
		},
		[extraBelow, tooltip],
	);
	clip.height = Math.min(clip.height, maxHeight);
	const path = join(OUT, file);
	await page.screenshot({ path, clip });
	say(
		`  saved ${relative(ROOT, path)} (${Math.round(clip.width)}×${Math.round(clip.height)} CSS px)`,
	);
}

/** Submit, as in the dog → lion example: the panel, a field's help tooltip, the operation list. */
async function shootSubmit(page) {
	await openNode(page, 'Inpaint dog to lion');
	await shootPanel(page, 'node-submit.png');
	// A field's description shows as a tooltip of the (?) icon next to its label.
	const label = page
		.locator('[data-test-id="parameter-item"]')
		.filter({ hasText: 'Image URL' })
		.locator('[data-test-id="input-label"]')
		.first();
	await label.hover();
	await label.locator('[data-icon="circle-help"]').hover({ force: true });
	await page.getByText('Public http(s) link to the image').waitFor();
	await page.waitForTimeout(500);
	await shootPanel(page, 'node-field-help.png', {
		tooltip: 'Public http(s) link to the image',
		maxHeight: 340,
	});
	await page.mouse.move(2, 2);
	await page.locator('[data-test-id="parameter-input-operation"]').click();
	await page.waitForTimeout(400);
	await shootPanel(page, 'node-operations.png', { maxHeight: 400 });
	await page.keyboard.press('Escape');
	await closeNode(page);
}

/** The credential dialog, opened from the node (n8n runs the credential test when it opens). */
async function shootCredential(page) {
	await openNode(page, 'Inpaint dog to lion');
	await page.locator('[data-test-id="credential-edit-button"]').click();
	const dialog = page
		.locator('.el-dialog')
		.filter({ has: page.locator('[data-test-id="credential-edit-dialog"]') });
	await page.locator('[data-test-id="credentials-config-container-test-success"]').waitFor();
	await page.mouse.move(2, 2);
	await page.waitForTimeout(800);
	await dialog.screenshot({ path: join(OUT, 'credential.png') });
	say('  saved docs/images/credential.png');
	await dialog.locator('.el-dialog__headerbtn').click();
	await dialog.waitFor({ state: 'hidden' });
	await closeNode(page);
}

async function shootGetResults(page) {
	await openNode(page, 'Get results');
	await shootPanel(page, 'node-get-results.png');
	await closeNode(page);
}

async function shootOptions(page) {
	await openNode(page, 'Inpaint with every option');
	await shootPanel(page, 'node-options.png');
	await closeNode(page);
}

async function main() {
	if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
	await step('build dist/ if sources changed', ensureBuilt);
	const n8n = {
		...(await step('n8n 2.x (reused from the e2e cache)', async () =>
			ensureN8n('2', await ensureNode24(), n8nCached('2') ? null : ensureSqlite3()),
		)),
		name: 'n8n 2.x',
	};
	const packed = await step('npm pack', packPackage);
	const userFolder = join(CACHE, 'screenshots', 'user');
	await step('install the package into a fresh user folder', () =>
		installCommunityPackage(userFolder, packed.tarball, n8n.env),
	);
	const sim = await startSimulator({});
	let server;
	let context;
	try {
		server = await step('n8n start', () =>
			startServer(n8n, userFolder, join(CACHE, 'screenshots', 'files')),
		);
		const { rest } = server;
		const workflowId = await step('owner, credential and workflow over REST', async () => {
			await setupOwner(rest);
			const data = simulatorCredential(sim);
			const credential = (
				await rest('POST', '/rest/credentials', { name: 'Pixazo API', type: 'pixazoApi', data })
			).json.data;
			return (
				await createWorkflow(rest, screenshotWorkflow({ id: credential.id, name: credential.name }))
			).id;
		});

		const profile = mkdtempSync(join(CACHE, 'screenshots', 'chromium-profile-'));
		context = await step('start Chromium', () =>
			chromium.launchPersistentContext(profile, {
				executablePath: CHROMIUM,
				headless: true,
				args: CHROMIUM_ARGS,
				viewport: { width: 1440, height: 1500 },
				deviceScaleFactor: 2,
			}),
		);
		// Log in as the owner: n8n ties its auth cookie to the browser id kept in localStorage.
		await context.addInitScript((id) => localStorage.setItem('n8n-browserId', id), BROWSER_ID);
		const [name, value] = rest.cookie.split('=');
		await context.addCookies([{ name, value, url: server.base }]);
		const page = context.pages()[0] ?? (await context.newPage());

		mkdirSync(OUT, { recursive: true });
		await step('screenshots', async () => {
			await page.goto(`${server.base}/workflow/${workflowId}`);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor();
			await page.waitForTimeout(1500);

			for (const shoot of [shootSubmit, shootCredential, shootGetResults, shootOptions])
				await shoot(page);
		});
		rmSync(profile, { recursive: true, force: true });
	} finally {
		await context?.close();
		if (server) await step(`stop n8n (pid ${server.child.pid})`, server.stop);
		await sim.close();
		killAllChildren();
		rmSync(join(userFolder, '.cache'), { recursive: true, force: true }); // n8n's editor copy: n8n-node lint need not parse it
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		say(`screenshots FAILED: ${error?.stack ?? error}`);
		killAllChildren();
		process.exit(1);
	},
);
