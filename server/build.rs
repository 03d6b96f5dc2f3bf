//! Embeds the built widget (`widget/dist/`, produced by `cargo xtask build`) and the demo job
//! site's page into the binary, so one binary ships everything. Missing files embed as nothing;
//! the server then explains how to build them.

use std::{env, fs, path::Path};

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join("..");
    let out =
        Path::new(&env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded_assets.rs");
    let widget = embed_dir(&root.join("widget/dist"));
    let demo = embed_dir(&root.join("widget/demo"));
    let index = root.join("index.html");
    println!("cargo:rerun-if-changed={}", index.display());
    let index_item = if index.is_file() {
        format!("Some(include_str!({:?}))", path_string(&index))
    } else {
        "None".to_owned()
    };
    let code = format!(
        "/// Files of the built widget: (name, bytes).\npub static WIDGET_ASSETS: &[(&str, &[u8])] = &[{widget}];\n\
         /// Static files of the demo job site: (name, bytes).\npub static DEMO_ASSETS: &[(&str, &[u8])] = &[{demo}];\n\
         /// The demo job site's page.\npub static DEMO_INDEX: Option<&str> = {index_item};\n"
    );
    if let Err(error) = fs::write(&out, code) {
        println!("cargo:warning=failed to write embedded assets: {error}");
    }
}

fn embed_dir(dir: &Path) -> String {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = fs::read_dir(dir) else {
        return String::new();
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_owned();
            println!("cargo:rerun-if-changed={}", path.display());
            Some(format!(
                "({name:?}, include_bytes!({:?})),",
                path_string(path)
            ))
        })
        .collect()
}

fn path_string(path: &Path) -> String {
    fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
