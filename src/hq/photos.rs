//! Residents' photos (issue 16): what a phone sends is checked by its content (JPEG, PNG
//! or HEIC, whatever its name says), decoded within limits, turned upright as the camera
//! meant, resized, and re-encoded as a plain JPEG, which carries no metadata: no camera,
//! no time, no location. HQ keeps only that and a thumbnail.
//!
//! HEIC (iPhones) is decoded by `heif-convert` from Debian's `libheif-examples`, run in a
//! temporary directory with a time limit: Debian's libheif (1.15) is older than the Rust
//! bindings accept. Without the program a HEIC upload is refused, saying so.

use std::io::Cursor;
use std::time::Duration;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

/// Photos decoded at the same time on one node: a 48-megapixel picture takes ~150 MB
/// while it is decoded; more uploads wait their turn.
pub const AT_ONCE: usize = 2;

/// The largest upload taken (a phone's full-size photo is 2–8 MB).
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;
/// The largest side of a kept photo, and of its thumbnail, in pixels.
pub const KEPT_SIDE: u32 = 1600;
pub const THUMBNAIL_SIDE: u32 = 320;
/// The largest picture decoded: a 48-megapixel camera, with room; more is a decompression bomb.
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 400 * 1024 * 1024;
const HEIF_CONVERT_SECONDS: u64 = 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the photo is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("this is not a JPEG, PNG or HEIC photo")]
    NotAPhoto,
    #[error("the photo cannot be read: {0}")]
    Unreadable(String),
    #[error("HEIC photos cannot be read on this server (heif-convert is missing): send a JPEG")]
    HeicUnsupported,
}

/// A photo made fit to keep.
#[derive(Debug)]
pub struct Prepared {
    pub jpeg: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Jpeg,
    Png,
    Heic,
}

/// What the bytes are, by their first bytes, never by a file name or a content type.
fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    // ISO base media: a `ftyp` box first, whose major brand says HEIF/HEIC.
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        const HEIF: [&[u8; 4]; 8] = [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
        if HEIF.iter().any(|b| b.as_slice() == brand) {
            return Some(Format::Heic);
        }
    }
    None
}

/// Checks, decodes, turns upright, resizes and re-encodes `bytes`. CPU-bound: run it off
/// the async threads.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let image = match sniff(bytes).ok_or(PhotoError::NotAPhoto)? {
        Format::Jpeg => decode(bytes, image::ImageFormat::Jpeg)?,
        Format::Png => decode(bytes, image::ImageFormat::Png)?,
        Format::Heic => decode(&heic_to_jpeg(bytes)?, image::ImageFormat::Jpeg)?,
    };
    let kept = if image.width().max(image.height()) > KEPT_SIDE {
        image.resize(KEPT_SIDE, KEPT_SIDE, image::imageops::FilterType::Triangle)
    } else {
        image
    };
    let kept = DynamicImage::ImageRgb8(kept.to_rgb8());
    let thumbnail = kept.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    Ok(Prepared {
        width: kept.width(),
        height: kept.height(),
        jpeg: encode(&kept, 82)?,
        thumbnail: encode(&thumbnail, 75)?,
    })
}

fn decode(bytes: &[u8], format: image::ImageFormat) -> Result<DynamicImage, PhotoError> {
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // The camera's "which way up" (EXIF orientation), applied before the metadata goes.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn encode(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    Ok(out)
}

/// HEIC to JPEG through `heif-convert`, in a directory of its own, killed if it hangs.
fn heic_to_jpeg(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let failed = |what: String| PhotoError::Unreadable(format!("HEIC: {what}"));
    let dir = tempfile::tempdir().map_err(|e| failed(e.to_string()))?;
    let (input, output) = (dir.path().join("in.heic"), dir.path().join("out.jpg"));
    std::fs::write(&input, bytes).map_err(|e| failed(e.to_string()))?;
    let mut child = match std::process::Command::new("heif-convert")
        .args(["-q", "92"])
        .arg(&input)
        .arg(&output)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(PhotoError::HeicUnsupported),
        Err(e) => return Err(failed(e.to_string())),
    };
    let started = std::time::Instant::now();
    loop {
        match child.try_wait().map_err(|e| failed(e.to_string()))? {
            Some(status) if status.success() => break,
            Some(_) => return Err(failed("the picture inside cannot be decoded".into())),
            None if started.elapsed() > Duration::from_secs(HEIF_CONVERT_SECONDS) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed("decoding took too long".into()));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    std::fs::read(&output).map_err(|e| failed(e.to_string()))
}

/// Whether this machine can read HEIC photos.
pub fn heic_supported() -> bool {
    std::process::Command::new("heif-convert")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            // A bright top-left corner tells which way is up after turning.
            if x < w / 4 && y < h / 4 { image::Rgb([250, 20, 20]) } else { image::Rgb([20, 20, 200]) }
        }))
    }

    /// A JPEG as a phone writes it: an EXIF block with orientation 6 ("turn right"), a
    /// GPS position and a description, before the picture.
    fn phone_jpeg(w: u32, h: u32) -> Vec<u8> {
        let plain = encode(&picture(w, h), 90).unwrap();
        let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
        let description = b"lobbydesk-secret-place\0";
        // IFD0: orientation, description (offset), GPS IFD pointer.
        let ifd0_entries = 3u16;
        let ifd0_len = 2 + 12 * ifd0_entries as u32 + 4;
        let description_at = 8 + ifd0_len;
        let gps_at = description_at + description.len() as u32;
        tiff.extend(ifd0_entries.to_be_bytes());
        tiff.extend([0x01, 0x0E, 0x00, 0x02]); // ImageDescription, ASCII
        tiff.extend((description.len() as u32).to_be_bytes());
        tiff.extend(description_at.to_be_bytes());
        tiff.extend([0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]); // Orientation = 6
        tiff.extend([0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]); // GPSInfo IFD pointer
        tiff.extend(gps_at.to_be_bytes());
        tiff.extend(0u32.to_be_bytes());
        tiff.extend(description);
        // GPS IFD: latitude ref "N".
        tiff.extend(1u16.to_be_bytes());
        tiff.extend([0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend(0u32.to_be_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(((app1.len() + 2) as u16).to_be_bytes());
        out.extend(app1);
        out.extend(&plain[2..]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_phone_photo_is_turned_upright_resized_and_loses_its_metadata() {
        let sent = phone_jpeg(2400, 1800);
        assert!(contains(&sent, b"lobbydesk-secret-place") && contains(&sent, b"Exif"));
        let kept = prepare(&sent).unwrap();
        // Turned a quarter: the landscape picture stands upright, at most 1600 high.
        assert_eq!((kept.width, kept.height), (1200, 1600));
        for bytes in [&kept.jpeg, &kept.thumbnail] {
            assert!(!contains(bytes, b"Exif"), "no EXIF block");
            assert!(!contains(bytes, b"lobbydesk-secret-place"));
            assert_eq!(sniff(bytes), Some(Format::Jpeg));
        }
        let decoded = image::load_from_memory(&kept.jpeg).unwrap().to_rgb8();
        // The bright corner was top-left; turned right it is top-right.
        let corner = decoded.get_pixel(decoded.width() - 10, 10);
        assert!(corner[0] > 200 && corner[2] < 80, "{corner:?}");
        let thumb = image::load_from_memory(&kept.thumbnail).unwrap();
        assert!(thumb.width().max(thumb.height()) <= THUMBNAIL_SIDE);
    }

    #[test]
    fn a_png_is_taken_and_anything_else_is_refused_by_its_content() {
        let mut png = Vec::new();
        picture(300, 200).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let kept = prepare(&png).unwrap();
        assert_eq!((kept.width, kept.height), (300, 200));
        assert!(matches!(prepare(b"<script>alert(1)</script>"), Err(PhotoError::NotAPhoto)));
        assert!(matches!(prepare(b""), Err(PhotoError::Empty)));
        assert!(matches!(prepare(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Err(PhotoError::Unreadable(_))));
        assert!(matches!(prepare(&vec![0u8; MAX_UPLOAD_BYTES + 1]), Err(PhotoError::TooLarge)));
    }

    #[test]
    fn a_picture_claiming_enormous_size_is_refused_before_it_is_decoded() {
        // A PNG header saying 60000×60000: decoding it would take 10 GB.
        let mut png = Vec::new();
        picture(8, 8).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        png[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        assert!(matches!(prepare(&png), Err(PhotoError::Unreadable(_))));
    }

    #[test]
    fn an_iphone_heic_photo_is_read_when_the_server_can() {
        let encoder = std::process::Command::new("heif-enc").arg("--version").output();
        if !heic_supported() || encoder.is_err() {
            // scripts/test installs libheif-examples; without it HEIC is refused, saying so.
            eprintln!("heif-convert/heif-enc missing: HEIC not checked here");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("in.png");
        picture(640, 480).save(&png).unwrap();
        let heic = dir.path().join("in.heic");
        let made = std::process::Command::new("heif-enc").arg("-o").arg(&heic).arg(&png).output().unwrap();
        assert!(made.status.success(), "{made:?}");
        let bytes = std::fs::read(&heic).unwrap();
        assert_eq!(sniff(&bytes), Some(Format::Heic));
        let kept = prepare(&bytes).unwrap();
        assert_eq!((kept.width, kept.height), (640, 480));
    }
}
