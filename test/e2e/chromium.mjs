// Debian's Chromium for the editor screenshots (npm run screenshots, npm run dev -- --screenshots),
// started as this machine needs it: headless, as root, with no network of its own.
import { join } from 'node:path';

import { ROOT } from './lib.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS_DIR = join(ROOT, 'docs', 'images');
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];
