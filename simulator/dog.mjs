// The built-in sample: a 512x512 cartoon dog on sky and grass, and its mask.

const SIZE = 512;
const MASK_GROW = 6; // dilation of the mask, in pixels

/** @typedef {[number, number, number]} RGB */
/** @typedef {{ kind: 'ellipse', cx: number, cy: number, rx: number, ry: number, color: RGB, dog: boolean }
 *   | { kind: 'capsule', x1: number, y1: number, x2: number, y2: number, r: number, color: RGB, dog: boolean }} Shape */

const BROWN = /** @type {RGB} */ ([160, 101, 45]);
const DARK = /** @type {RGB} */ ([105, 62, 25]);
const DARKER = /** @type {RGB} */ ([80, 46, 18]);
const TAN = /** @type {RGB} */ ([222, 180, 120]);
const BLACK = /** @type {RGB} */ ([25, 20, 20]);

/** @returns {Shape} */
const ell = (cx, cy, rx, ry, color, dog = true) =>
	withBox({ kind: 'ellipse', cx, cy, rx, ry, color, dog }, cx - rx, cy - ry, cx + rx, cy + ry);
/** @returns {Shape} */
const cap = (x1, y1, x2, y2, r, color, dog = true) =>
	withBox(
		{ kind: 'capsule', x1, y1, x2, y2, r, color, dog },
		Math.min(x1, x2) - r,
		Math.min(y1, y2) - r,
		Math.max(x1, x2) + r,
		Math.max(y1, y2) + r,
	);

/** Attach a bounding box, grown by the mask dilation, for a quick reject. */
function withBox(s, x0, y0, x1, y1) {
	return { ...s, box: [x0 - MASK_GROW, y0 - MASK_GROW, x1 + MASK_GROW, y1 + MASK_GROW] };
}

/** Painted in order; later shapes cover earlier ones. `dog: false` shapes are not in the mask. */
const SHAPES = /** @type {Shape[]} */ ([
	ell(262, 414, 150, 16, [56, 120, 48], false), // shadow on the grass
	cap(150, 292, 112, 236, 10, BROWN), // tail, lower part
	cap(112, 236, 122, 198, 9, BROWN), // tail, tip
	cap(190, 318, 186, 404, 15, DARK), // far back leg
	cap(318, 318, 326, 404, 15, DARK), // far front leg
	ell(402, 176, 13, 22, DARKER), // far ear, peeking above the head
	ell(255, 300, 118, 58, BROWN), // body
	ell(228, 282, 32, 20, DARK), // spot on the back
	ell(268, 326, 72, 24, TAN), // belly
	cap(164, 322, 160, 408, 16, BROWN), // near back leg
	cap(292, 326, 296, 410, 16, BROWN), // near front leg
	ell(158, 410, 20, 9, TAN), // paws
	ell(298, 412, 20, 9, TAN),
	cap(336, 290, 362, 244, 32, BROWN), // neck
	cap(338, 262, 370, 276, 6, [210, 35, 40]), // collar
	ell(356, 288, 7, 7, [245, 200, 40]), // collar tag
	ell(374, 220, 54, 48, BROWN), // head
	ell(420, 240, 36, 24, TAN), // snout
	ell(450, 231, 11, 9, BLACK), // nose
	cap(424, 257, 442, 253, 2.5, DARKER), // mouth
	ell(390, 204, 10, 11, [250, 250, 250]), // eye white
	ell(393, 206, 6, 7, BLACK), // pupil
	cap(350, 184, 334, 250, 17, DARKER), // near ear, floppy
]);

/**
 * @param {Shape} s
 * @param {number} x
 * @param {number} y
 * @param {number} grow
 */
function inside(s, x, y, grow) {
	const b = /** @type {any} */ (s).box;
	if (x < b[0] || y < b[1] || x > b[2] || y > b[3]) return false;
	if (s.kind === 'ellipse') {
		const dx = (x - s.cx) / (s.rx + grow);
		const dy = (y - s.cy) / (s.ry + grow);
		return dx * dx + dy * dy <= 1;
	}
	const vx = s.x2 - s.x1;
	const vy = s.y2 - s.y1;
	const t = Math.max(0, Math.min(1, ((x - s.x1) * vx + (y - s.y1) * vy) / (vx * vx + vy * vy)));
	const px = s.x1 + t * vx - x;
	const py = s.y1 + t * vy - y;
	const r = s.r + grow;
	return px * px + py * py <= r * r;
}

const CLOUDS = [
	ell(300, 90, 52, 20, BROWN),
	ell(335, 74, 36, 22, BROWN),
	ell(440, 130, 40, 15, BROWN),
];

/**
 * Sky (gradient, sun, clouds) above a gently rolling horizon, grass with blades below.
 * @param {number} x pixel centre
 * @param {number} y pixel centre
 * @param {number} horizon horizon height at this x
 * @returns {RGB}
 */
function background(x, y, horizon) {
	if (y < horizon) {
		const dx = x - 82;
		const dy = y - 78;
		if (dx * dx + dy * dy <= 38 * 38) return [255, 214, 64]; // sun
		if (y < 160 && CLOUDS.some((c) => inside(c, x, y, 0))) return [248, 250, 255];
		const t = y / horizon;
		return [Math.round(95 + 95 * t), Math.round(160 + 66 * t), Math.round(232 + 18 * t)];
	}
	const t = (y - horizon) / (SIZE - horizon);
	const blade = (x * 7 + y * 13) % 23 < 2 ? -18 : 0;
	return [
		Math.round(92 - 30 * t + blade),
		Math.round(178 - 50 * t + blade),
		Math.round(72 - 20 * t + blade),
	];
}

/**
 * Draw the sample image and its mask (white = dog, dilated by a few pixels).
 * Painter's algorithm: background, then each shape inside its bounding box.
 * @returns {{ image: { width: number, height: number, data: Buffer },
 *             mask: { width: number, height: number, data: Buffer } }}
 */
export function drawSampleScene() {
	const image = Buffer.alloc(SIZE * SIZE * 4, 255);
	const mask = Buffer.alloc(SIZE * SIZE * 4, 255); // alpha 255; RGB set below
	const horizon = Array.from({ length: SIZE }, (_, x) => 332 + 10 * Math.sin((x + 0.5) / 85));
	for (let y = 0; y < SIZE; y++) paintBackgroundRow(image, mask, y, horizon);
	for (const s of SHAPES) paintShape(image, mask, s);
	return {
		image: { width: SIZE, height: SIZE, data: image },
		mask: { width: SIZE, height: SIZE, data: mask },
	};
}

/** @param {Buffer} image @param {Buffer} mask @param {number} y @param {number[]} horizon */
function paintBackgroundRow(image, mask, y, horizon) {
	for (let x = 0; x < SIZE; x++) {
		const c = background(x + 0.5, y + 0.5, horizon[x]);
		const i = (y * SIZE + x) * 4;
		image[i] = c[0];
		image[i + 1] = c[1];
		image[i + 2] = c[2];
		mask[i] = 0;
		mask[i + 1] = 0;
		mask[i + 2] = 0;
	}
}

/** @param {Buffer} image @param {Buffer} mask @param {Shape} s */
function paintShape(image, mask, s) {
	const [x0, y0, x1, y1] = /** @type {any} */ (s).box.map((v) =>
		Math.max(0, Math.min(SIZE - 1, Math.round(v))),
	);
	for (let y = y0; y <= y1; y++) {
		for (let x = x0; x <= x1; x++) {
			const i = (y * SIZE + x) * 4;
			if (inside(s, x + 0.5, y + 0.5, 0)) {
				image[i] = s.color[0];
				image[i + 1] = s.color[1];
				image[i + 2] = s.color[2];
			}
			if (s.dog && inside(s, x + 0.5, y + 0.5, MASK_GROW)) {
				mask[i] = 255;
				mask[i + 1] = 255;
				mask[i + 2] = 255;
			}
		}
	}
}
