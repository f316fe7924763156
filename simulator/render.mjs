// The fake inpainting renderer: repaint the masked area with a pattern derived from the prompt.
import { encodePngFast, scaleNearest } from './codec.mjs';
import { hash32, prng } from './util.mjs';

export const MAX_SIDE = 2048;

/** @typedef {import('./codec.mjs').Bitmap} Bitmap */

/** @param {number} h hue 0..360 @param {number} s @param {number} l @returns {[number, number, number]} */
function hsl(h, s, l) {
	const a = s * Math.min(l, 1 - l);
	const f = (n) => {
		const k = (n + h / 30) % 12;
		return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
	};
	return [f(0), f(8), f(4)];
}

/** Canvas used when the job has no input image: a diagonal two-hue gradient from the prompt. */
function gradient(w, h, seed) {
	const a = seed % 360;
	const c1 = hsl(a, 0.55, 0.55);
	const c2 = hsl((a + 90 + ((seed >>> 10) % 120)) % 360, 0.55, 0.75);
	const data = Buffer.alloc(w * h * 4);
	for (let y = 0; y < h; y++) {
		for (let x = 0; x < w; x++) {
			const t = (x / w + y / h) / 2;
			const i = (y * w + x) * 4;
			for (let c = 0; c < 3; c++) data[i + c] = Math.round(c1[c] + (c2[c] - c1[c]) * t);
			data[i + 3] = 255;
		}
	}
	return { width: w, height: h, data };
}

/** Output size: width/height if given (clamped), else the input's, keeping its aspect ratio. */
function outputSize(image, width, height) {
	const clamp = (v) => Math.max(1, Math.min(MAX_SIDE, Math.round(v)));
	if (!image) return [clamp(width ?? height ?? 512), clamp(height ?? width ?? 512)];
	const w = width ?? (height ? (image.width * height) / image.height : image.width);
	const h = height ?? (width ? (image.height * width) / image.width : image.height);
	return [clamp(w), clamp(h)];
}

/**
 * Render a fake inpainting result. Deterministic: same inputs → same bytes.
 * Masked pixels (mask luma > 127, or the centre half without a mask) are repainted with
 * stripes/checks whose hue, period and orientation come from hash(prompt, seed), with
 * 22% of the original blended in so shapes stay visible. The source is composited over white.
 * With `noise`, unmasked pixels become PRNG noise (RGBA) so the PNG is about 1 MB at 512x512.
 * @param {{ image: Bitmap | null, mask: Bitmap | null, width?: number, height?: number,
 *   prompt: string, seed: number, noise?: boolean }} spec
 * @returns {Buffer} PNG bytes
 */
export function renderResult({ image, mask, width, height, prompt, seed, noise = false }) {
	const [w, h] = outputSize(image, width, height);
	const src = (image ? scaleNearest(image, w, h) : gradient(w, h, hash32(prompt))).data;
	const md = mask ? scaleNearest(mask, w, h).data : null;
	const hv = hash32(`${prompt}\u0000${seed}`);
	const period = 6 + ((hv >>> 9) % 19);
	const style = (hv >>> 14) % 4; // 0 horizontal, 1 vertical, 2 diagonal, 3 checker
	const flip = (hv >>> 16) & 1;
	const c1 = hsl(hv % 360, 0.9, 0.5);
	const c2 = hsl(((hv % 360) + 30 + ((hv >>> 20) % 60)) % 360, 0.9, 0.78);
	const rng = noise ? prng(hv) : null;
	const bpp = noise ? 4 : 3;
	const out = Buffer.allocUnsafe(w * h * bpp);
	for (let y = 0; y < h; y++) {
		const centreRow = y >= h / 4 && y < (3 * h) / 4;
		for (let x = 0; x < w; x++) {
			const i = (y * w + x) * 4;
			const o = (y * w + x) * bpp;
			const masked = md
				? (299 * md[i] + 587 * md[i + 1] + 114 * md[i + 2]) * md[i + 3] > 127 * 1000 * 255
				: centreRow && x >= w / 4 && x < (3 * w) / 4;
			if (!masked && rng) {
				const v = rng.int(); // incompressible noise, alpha included
				out[o] = v & 255;
				out[o + 1] = (v >>> 8) & 255;
				out[o + 2] = (v >>> 16) & 255;
				out[o + 3] = v >>> 24;
				continue;
			}
			let r = src[i];
			let g = src[i + 1];
			let b = src[i + 2];
			const a = src[i + 3];
			if (a !== 255) {
				r = ((r * a + 255 * (255 - a)) / 255) | 0;
				g = ((g * a + 255 * (255 - a)) / 255) | 0;
				b = ((b * a + 255 * (255 - a)) / 255) | 0;
			}
			if (masked) {
				let band;
				if (style === 0) band = (y / period) | 0;
				else if (style === 1) band = (x / period) | 0;
				else if (style === 2) band = ((flip ? x + y : x - y + h) / period) | 0;
				else band = ((x / period) | 0) + ((y / period) | 0);
				const col = band & 1 ? c1 : c2;
				const j = rng ? (rng.int() & 15) - 8 : 0;
				r = Math.max(0, Math.min(255, ((col[0] * 200 + r * 56) >> 8) + j));
				g = Math.max(0, Math.min(255, ((col[1] * 200 + g * 56) >> 8) + j));
				b = Math.max(0, Math.min(255, ((col[2] * 200 + b * 56) >> 8) + j));
			}
			out[o] = r;
			out[o + 1] = g;
			out[o + 2] = b;
			if (bpp === 4) out[o + 3] = 255;
		}
	}
	return noise
		? encodePngFast(out, w, h, 4, { filter: 'none', level: 1 })
		: encodePngFast(out, w, h, 3, { level: 3 });
}
