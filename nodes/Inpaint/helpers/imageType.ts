/** The image formats a result may come in, by the bytes they start with. */
const SIGNATURES: Array<{ mimeType: string; extension: string; matches: (b: Buffer) => boolean }> =
	[
		{
			mimeType: 'image/png',
			extension: 'png',
			matches: (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')),
		},
		{
			mimeType: 'image/jpeg',
			extension: 'jpg',
			matches: (b) => b.subarray(0, 3).equals(Buffer.from('ffd8ff', 'hex')),
		},
		{
			mimeType: 'image/gif',
			extension: 'gif',
			matches: (b) => /^GIF8[79]a$/.test(b.subarray(0, 6).toString('latin1')),
		},
		{
			mimeType: 'image/webp',
			extension: 'webp',
			matches: (b) =>
				b.subarray(0, 4).toString('latin1') === 'RIFF' &&
				b.subarray(8, 12).toString('latin1') === 'WEBP',
		},
	];

/** How many first bytes `imageTypeOf` needs to tell every format apart. */
export const SIGNATURE_BYTES = 12;

interface ImageType {
	mimeType: string;
	extension: string;
}

/** The image format the bytes begin with, or undefined when they are not one of ours. */
export function imageTypeOf(firstBytes: Buffer): ImageType | undefined {
	const found = SIGNATURES.find((signature) => signature.matches(firstBytes));
	return found ? { mimeType: found.mimeType, extension: found.extension } : undefined;
}

/**
 * The file name to store an image under: the URL's own name when it is a plain file name, with
 * the extension the bytes call for; otherwise `<job>-<n>.<extension>`.
 */
export function imageFileName(
	url: URL,
	type: ImageType,
	fallbackStem: string,
	index: number,
): string {
	const last = decoded(url.pathname.split('/').pop() ?? '');
	const match = /^([\w.-]+?)(\.(png|jpe?g|webp|gif))?$/i.exec(last);
	if (!match || !match[2]) return `${fallbackStem}-${index + 1}.${type.extension}`;
	const stated = match[3].toLowerCase().replace('jpeg', 'jpg');
	return stated === type.extension ? last : `${match[1]}.${type.extension}`;
}

function decoded(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text; // a malformed % escape: the name is used as it is
	}
}
