//! Opening a source file as the data streams it holds: the file itself, or every regular entry
//! of a zip, tar or tar.gz archive (`archive_compress_codec`), each then unwrapped from lzop when
//! `compress_codec = lzo`.
//!
//! Archive entries are read into memory when the archive is opened: zip and tar readers borrow
//! the archive per entry, and the source reader must keep a stream across polls. Plain files
//! stream from disk.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::compress::LzopReader;
use super::options::{Archive, Compression};

/// Read buffer per open stream; large enough that line reading rarely refills.
const READ_BUFFER: usize = 1 << 20;

/// One stream of lines to read, labelled for error messages (`file` or `archive!entry`).
pub struct Unit {
    pub label: String,
    pub reader: Box<dyn BufRead + Send>,
}

fn context(path: &Path, what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}: {e}", path.display()),
    )
}

/// The streams of `path` in archive order.
pub fn open_units(
    path: &Path,
    archive: Archive,
    compression: Compression,
) -> io::Result<Vec<Unit>> {
    let file = File::open(path).map_err(|e| context(path, "cannot open", e))?;
    let raw: Vec<(String, Box<dyn Read + Send>)> = match archive {
        Archive::None => vec![(path.display().to_string(), Box::new(file))],
        Archive::Zip => zip_entries(path, file)?,
        Archive::Tar => tar_entries(path, file)?,
        Archive::TarGz => tar_entries(path, MultiGzDecoder::new(BufReader::new(file)))?,
    };
    raw.into_iter()
        .map(|(label, reader)| {
            let reader: Box<dyn Read + Send> = match compression {
                Compression::None => reader,
                Compression::Lzo => Box::new(
                    LzopReader::new(reader)
                        .map_err(|e| io::Error::new(e.kind(), format!("{label}: {e}")))?,
                ),
            };
            Ok(Unit {
                label,
                reader: Box::new(BufReader::with_capacity(READ_BUFFER, reader)),
            })
        })
        .collect()
}

fn entry_label(path: &Path, name: &str) -> String {
    format!("{}!{name}", path.display())
}

fn zip_entries(path: &Path, file: File) -> io::Result<Vec<(String, Box<dyn Read + Send>)>> {
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| context(path, "not a readable zip archive", e))?;
    let mut out: Vec<(String, Box<dyn Read + Send>)> = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| context(path, "cannot read zip entry", e))?;
        if !entry.is_file() {
            continue;
        }
        let label = entry_label(path, entry.name());
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut data)
            .map_err(|e| context(path, &format!("cannot read zip entry {}", entry.name()), e))?;
        out.push((label, Box::new(Cursor::new(data))));
    }
    Ok(out)
}

fn tar_entries(path: &Path, reader: impl Read) -> io::Result<Vec<(String, Box<dyn Read + Send>)>> {
    let mut tar = tar::Archive::new(reader);
    let mut out: Vec<(String, Box<dyn Read + Send>)> = Vec::new();
    for entry in tar
        .entries()
        .map_err(|e| context(path, "not a readable tar archive", e))?
    {
        let mut entry = entry.map_err(|e| context(path, "cannot read tar entry", e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "?".into());
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| context(path, &format!("cannot read tar entry {name}"), e))?;
        out.push((entry_label(path, &name), Box::new(Cursor::new(data))));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::LzopWriter;
    use std::io::Write;

    fn read_units(units: Vec<Unit>) -> Vec<(String, String)> {
        units
            .into_iter()
            .map(|mut u| {
                let mut s = String::new();
                u.reader.read_to_string(&mut s).unwrap();
                let name = u.label.rsplit(['!', '/']).next().unwrap().to_string();
                (name, s)
            })
            .collect()
    }

    fn tar_bytes(files: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, body) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, body.as_bytes()).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn plain_and_lzo_files() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.txt");
        std::fs::write(&plain, "x\ny").unwrap();
        let units = open_units(&plain, Archive::None, Compression::None).unwrap();
        assert_eq!(read_units(units), [("a.txt".into(), "x\ny".into())]);
        let lzo = dir.path().join("b.txt");
        let mut w = LzopWriter::new(File::create(&lzo).unwrap()).unwrap();
        w.write_all(b"packed line").unwrap();
        w.finish().unwrap();
        let units = open_units(&lzo, Archive::None, Compression::Lzo).unwrap();
        assert_eq!(read_units(units)[0].1, "packed line");
        let e = open_units(&plain, Archive::None, Compression::Lzo)
            .err()
            .unwrap();
        assert!(e.to_string().contains("not an lzop file"), "{e}");
    }

    #[test]
    fn zip_tar_and_tar_gz_entries_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("m.zip");
        let mut z = zip::ZipWriter::new(File::create(&zip_path).unwrap());
        z.add_directory("sub/", zip::write::SimpleFileOptions::default())
            .unwrap();
        for (name, body) in [("one.txt", "1"), ("sub/two.txt", "2")] {
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        let got = read_units(open_units(&zip_path, Archive::Zip, Compression::None).unwrap());
        assert_eq!(
            got,
            [
                ("one.txt".into(), "1".into()),
                ("two.txt".into(), "2".into())
            ]
        );

        let tar_path = dir.path().join("m.tar");
        std::fs::write(&tar_path, tar_bytes(&[("a.txt", "A"), ("b.txt", "B")])).unwrap();
        let got = read_units(open_units(&tar_path, Archive::Tar, Compression::None).unwrap());
        assert_eq!(
            got,
            [("a.txt".into(), "A".into()), ("b.txt".into(), "B".into())]
        );

        let gz_path = dir.path().join("m.tar.gz");
        let mut gz = flate2::write::GzEncoder::new(
            File::create(&gz_path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(&tar_bytes(&[("c.txt", "C")])).unwrap();
        gz.finish().unwrap();
        let got = read_units(open_units(&gz_path, Archive::TarGz, Compression::None).unwrap());
        assert_eq!(got, [("c.txt".into(), "C".into())]);

        let e = open_units(&tar_path, Archive::Zip, Compression::None)
            .err()
            .unwrap();
        assert!(e.to_string().contains("not a readable zip archive"), "{e}");
    }
}
