//! A minimal PNG writer (8-bit RGB, stored deflate blocks): enough for the benchmark plots,
//! without an image crate whose compression dependencies would change the features, and so
//! the build, of crates the node shares.

use std::{io, path::Path};

fn crc32(bytes: &[u8]) -> u32 {
	let mut crc = !0u32;
	for &b in bytes {
		crc ^= u32::from(b);
		for _ in 0..8 {
			crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
		}
	}
	!crc
}

fn adler32(bytes: &[u8]) -> u32 {
	let (mut a, mut b) = (1u32, 0u32);
	for &x in bytes {
		a = (a + u32::from(x)) % 65_521;
		b = (b + a) % 65_521;
	}
	(b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
	out.extend((data.len() as u32).to_be_bytes());
	let start = out.len();
	out.extend(kind);
	out.extend(data);
	let crc = crc32(&out[start..]);
	out.extend(crc.to_be_bytes());
}

/// The PNG encoding of a `width` × `height` image of RGB pixels, row by row.
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> io::Result<Vec<u8>> {
	let row = width as usize * 3;
	if rgb.len() != row * height as usize {
		return Err(io::Error::new(io::ErrorKind::InvalidInput, "pixel buffer size mismatch"));
	}
	// Each scanline starts with filter type 0 (none).
	let mut raw = Vec::with_capacity((row + 1) * height as usize);
	for line in rgb.chunks(row.max(1)) {
		raw.push(0);
		raw.extend(line);
	}
	// zlib: header, deflate "stored" blocks of at most 65,535 bytes, Adler-32.
	let mut zlib = vec![0x78, 0x01];
	let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
	for (i, block) in blocks.iter().enumerate() {
		zlib.push(u8::from(i + 1 == blocks.len()));
		let len = block.len() as u16;
		zlib.extend(len.to_le_bytes());
		zlib.extend((!len).to_le_bytes());
		zlib.extend(*block);
	}
	zlib.extend(adler32(&raw).to_be_bytes());

	let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
	let mut header = Vec::with_capacity(13);
	header.extend(width.to_be_bytes());
	header.extend(height.to_be_bytes());
	// Bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
	header.extend([8, 2, 0, 0, 0]);
	chunk(&mut png, b"IHDR", &header);
	chunk(&mut png, b"IDAT", &zlib);
	chunk(&mut png, b"IEND", &[]);
	Ok(png)
}

/// Writes RGB pixels as a PNG file.
pub fn write_rgb(path: &Path, width: u32, height: u32, rgb: &[u8]) -> io::Result<()> {
	std::fs::write(path, encode_rgb(width, height, rgb)?)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn checksums_match_known_values() {
		assert_eq!(crc32(b"IEND"), 0xAE42_6082);
		assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
	}

	#[test]
	fn a_two_pixel_image_has_the_png_layout() {
		let png = encode_rgb(2, 1, &[255, 0, 0, 0, 0, 255]).unwrap();
		assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
		assert_eq!(&png[12..16], b"IHDR");
		assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
		assert!(encode_rgb(2, 2, &[0; 6]).is_err());
	}
}
