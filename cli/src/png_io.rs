//! Reading 8-bit grayscale PNGs of an exact size.

use std::path::Path;

/// `(width, height, pixels)`; the size must be `expect` when given.
fn read_sized(
    path: &Path,
    expect: Option<(usize, usize)>,
) -> Result<(usize, usize, Vec<u8>), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("{}: not a PNG ({e})", path.display()))?;
    let info = reader.info();
    if info.color_type != png::ColorType::Grayscale || info.bit_depth != png::BitDepth::Eight {
        return Err(format!(
            "{}: must be 8-bit grayscale, is {:?} {:?}",
            path.display(),
            info.color_type,
            info.bit_depth
        ));
    }
    let size = (info.width as usize, info.height as usize);
    if let Some((width, height)) = expect.filter(|&e| e != size) {
        return Err(format!(
            "{}: is {}x{} (width x height), must be {width}x{height}",
            path.display(),
            info.width,
            info.height
        ));
    }
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    buf.truncate(frame.buffer_size());
    Ok((size.0, size.1, buf))
}

fn read(path: &Path, width: usize, height: usize) -> Result<Vec<u8>, String> {
    Ok(read_sized(path, Some((width, height)))?.2)
}

/// An 8-bit grayscale PNG of any size: `(width, height, pixels)`.
pub fn read_gray_any(path: &Path) -> Result<(usize, usize, Vec<u8>), String> {
    read_sized(path, None)
}

/// The image's pixels, row-major.
pub fn read_gray(path: &Path, width: usize, height: usize) -> Result<Vec<u8>, String> {
    read(path, width, height)
}

/// The mask: non-zero pixels are `true` (valid iris).
pub fn read_mask(path: &Path, width: usize, height: usize) -> Result<Vec<bool>, String> {
    Ok(read(path, width, height)?
        .into_iter()
        .map(|p| p != 0)
        .collect())
}

/// Writes an 8-bit grayscale PNG (used by tests and by `demo --out`).
pub fn write_gray(path: &Path, width: usize, height: usize, pixels: &[u8]) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(pixels).map_err(|e| e.to_string())
}
