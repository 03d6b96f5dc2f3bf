//! Brotli and gzip at the highest settings, made once at build time, so the backend serves the
//! widget compressed without compressing anything per request.

use std::io::Write;

use anyhow::{Context, Result};
use flate2::{write::GzEncoder, Compression};

/// `bytes` gzipped at level 9.
pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).context("failed to gzip")?;
    encoder.finish().context("failed to gzip")
}

/// `bytes` in brotli at quality 11 with a 4 MiB window.
pub(crate) fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        encoder
            .write_all(bytes)
            .context("failed to brotli-compress")?;
        encoder.flush().context("failed to brotli-compress")?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_encodings_shrink_text_and_decode_back() {
        let text = "hire with remote ".repeat(500);
        let gz = gzip(text.as_bytes()).unwrap();
        let br = brotli(text.as_bytes()).unwrap();
        assert!(gz.len() < text.len() / 10 && br.len() < text.len() / 10);

        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut unbrotli).unwrap();
        assert_eq!(unzipped, text);
        assert_eq!(unbrotli, text.as_bytes());
    }
}
