// Result images: registry of render specs, lazy rendering, input fetching, byte-capped cache.
import { createSampleImages, decodePng, renderResult } from './png.mjs';
import { canonicalJson, isLoopbackHost } from './util.mjs';

const MAX_SPECS = 200_000;
const CACHE_BYTES = 256 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 5000;
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * @typedef {{ prompt: string, seed: number, width?: number, height?: number,
 *   imageUrl?: string, maskUrl?: string, noise: boolean }} ResultSpec
 */

export class ResultStore {
	/** @param {{ port: () => number }} opts port() = the simulator's own port */
	constructor(opts) {
		this.port = opts.port;
		this.samples = createSampleImages();
		/** @type {Map<string, ResultSpec>} */
		this.specs = new Map();
		/** @type {Map<string, { promise: Promise<Buffer>, bytes: number }>} LRU by insertion order */
		this.cache = new Map();
		this.cacheBytes = 0;
	}

	/** @param {string} id @param {ResultSpec} spec */
	register(id, spec) {
		this.specs.set(id, spec);
		if (this.specs.size > MAX_SPECS) this.specs.delete(this.specs.keys().next().value);
	}

	/** @param {string} id */
	has(id) {
		return this.specs.has(id);
	}

	clear() {
		this.specs.clear();
		this.cache.clear();
		this.cacheBytes = 0;
	}

	/**
	 * PNG bytes of a result, rendered on first request and cached.
	 * @param {string} id
	 * @returns {Promise<Buffer> | null} null for an unknown id
	 */
	get(id) {
		const spec = this.specs.get(id);
		if (!spec) return null;
		// Inputs that are not fetched (absent, built-in, non-local) make the render a pure
		// function of the spec: share it between results. Fetched inputs are cached per id.
		const image = this.classify(spec.imageUrl, 'image');
		const mask = this.classify(spec.maskUrl, 'mask');
		const key =
			image.fetch || mask.fetch
				? `id:${id}`
				: `spec:${canonicalJson({ ...spec, imageUrl: image.kind, maskUrl: mask.kind })}`;
		const hit = this.cache.get(key);
		if (hit) {
			this.cache.delete(key); // refresh LRU position
			this.cache.set(key, hit);
			return hit.promise;
		}
		const entry = { promise: this.render(spec, image, mask), bytes: 0 };
		this.cache.set(key, entry);
		entry.promise.then(
			(buf) => {
				if (this.cache.get(key) !== entry) return;
				entry.bytes = buf.length;
				this.cacheBytes += buf.length;
				this.evict();
			},
			() => this.cache.delete(key),
		);
		return entry.promise;
	}

	evict() {
		for (const [key, entry] of this.cache) {
			if (this.cacheBytes <= CACHE_BYTES) break;
			this.cache.delete(key);
			this.cacheBytes -= entry.bytes;
		}
	}

	/**
	 * Decide where an input comes from.
	 * @param {string | undefined} url
	 * @param {'image' | 'mask'} which
	 * @returns {{ kind: string, fetch: boolean }}
	 */
	classify(url, which) {
		if (!url) return { kind: 'none', fetch: false };
		let u;
		try {
			u = new URL(url);
		} catch {
			return { kind: `builtin-${which}`, fetch: false };
		}
		if (u.protocol !== 'http:' || !isLoopbackHost(u.hostname))
			return { kind: `builtin-${which}`, fetch: false };
		if (Number(u.port || 80) === this.port()) {
			if (u.pathname === '/assets/dog.png') return { kind: 'builtin-image', fetch: false };
			if (u.pathname === '/assets/dog-mask.png') return { kind: 'builtin-mask', fetch: false };
		}
		return { kind: 'url', fetch: true };
	}

	/**
	 * @param {ResultSpec} spec
	 * @param {{ kind: string }} image
	 * @param {{ kind: string }} mask
	 */
	async render(spec, image, mask) {
		const [img, msk] = await Promise.all([
			this.load(spec.imageUrl, image.kind, 'image'),
			this.load(spec.maskUrl, mask.kind, 'mask'),
		]);
		return renderResult({
			image: img,
			mask: msk,
			width: spec.width,
			height: spec.height,
			prompt: spec.prompt,
			seed: spec.seed,
			noise: spec.noise,
		});
	}

	/**
	 * Fetch and decode an input; any failure falls back to the built-in sample.
	 * @param {string | undefined} url
	 * @param {string} kind
	 * @param {'image' | 'mask'} which
	 */
	async load(url, kind, which) {
		const builtin = which === 'image' ? this.samples.image : this.samples.mask;
		if (kind === 'none') return null;
		if (kind === 'builtin-image') return this.samples.image;
		if (kind === 'builtin-mask') return this.samples.mask;
		try {
			const res = await fetch(/** @type {string} */ (url), {
				signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
			});
			if (!res.ok) return builtin;
			const buf = Buffer.from(await res.arrayBuffer());
			if (buf.length > MAX_INPUT_BYTES) return builtin;
			return decodePng(buf);
		} catch {
			return builtin;
		}
	}
}
