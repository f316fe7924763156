// PNG helpers (pngjs): codec, the built-in sample images and the inpainting renderer.
import { encodePng } from './codec.mjs';
import { drawSampleScene } from './dog.mjs';

export { decodePng, encodePng, encodePngFast, scaleNearest } from './codec.mjs';
export { MAX_SIDE, renderResult } from './render.mjs';

/** @typedef {import('./codec.mjs').Bitmap} Bitmap */
/** @typedef {{ image: Bitmap, mask: Bitmap, readonly imagePng: Buffer, readonly maskPng: Buffer }} Samples */

/** @type {Samples | null} */
let samples = null;

/**
 * The sample dog image (512x512) and its mask (white = dog, slightly dilated; black elsewhere):
 * drawn once per process, PNG-encoded on first use, shared read-only by all simulators.
 * @returns {Samples}
 */
export function createSampleImages() {
	if (!samples) {
		const { image, mask } = drawSampleScene();
		/** @type {Record<string, Buffer>} */
		const encoded = {};
		samples = {
			image,
			mask,
			get imagePng() {
				return (encoded.image ??= encodePng(image));
			},
			get maskPng() {
				return (encoded.mask ??= encodePng(mask));
			},
		};
	}
	return samples;
}
