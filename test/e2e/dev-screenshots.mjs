// Screenshots for the README taken by `npm run dev -- --check --screenshots` in the running dev
// editor (Debian's Chromium via playwright-core, as screenshots.mjs): the dog → lion run the check
// made, as the editor shows the execution, and the AI Agent example with its Inpaint tool panel.
/* global localStorage -- used in a function that runs in the browser */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS_DIR as OUT } from './chromium.mjs';
import { CACHE, say } from './lib.mjs';
import { BROWSER_ID } from './server.mjs';

/**
 * @param server the running n8n (base URL, REST client holding the owner's cookie)
 * @param shots { executionUrl: path of the dog → lion execution, agentWorkflowId, toolNodeName }
 */
export async function devScreenshots(server, { executionPath, agentWorkflowId, toolNodeName }) {
	if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
	mkdirSync(join(CACHE, 'screenshots'), { recursive: true });
	const profile = mkdtempSync(join(CACHE, 'screenshots', 'chromium-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: { width: 1440, height: 900 },
		deviceScaleFactor: 1.5,
	});
	try {
		await context.addInitScript((id) => localStorage.setItem('n8n-browserId', id), BROWSER_ID);
		const [name, value] = server.rest.cookie.split('=');
		await context.addCookies([{ name, value, url: server.base }]);
		const page = context.pages()[0] ?? (await context.newPage());
		mkdirSync(OUT, { recursive: true });

		await page.goto(`${server.base}${executionPath}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		await page.waitForTimeout(2500);
		await page.screenshot({ path: join(OUT, 'dev-editor.png') });
		say('  saved docs/images/dev-editor.png');

		await page.goto(`${server.base}/workflow/${agentWorkflowId}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		await page.waitForTimeout(2000);
		await page.screenshot({
			path: join(OUT, 'agent-tool-workflow.png'),
			clip: { x: 0, y: 0, width: 1440, height: 900 },
		});
		say('  saved docs/images/agent-tool-workflow.png');

		await page
			.locator('[data-test-id="canvas-node"]')
			.filter({ hasText: toolNodeName })
			.first()
			.dblclick();
		await page.locator('[data-test-id="node-parameters"]').waitFor();
		await page.mouse.move(2, 2);
		await page.waitForTimeout(1500);
		await page
			.locator('[data-test-id="ndv"]')
			.first()
			.screenshot({ path: join(OUT, 'agent-tool-node.png') });
		say('  saved docs/images/agent-tool-node.png');
	} finally {
		await context.close();
		rmSync(profile, { recursive: true, force: true });
	}
}
